/**
 * The same facts as payload v1, as a Slack incoming-webhook message
 * (`{"text": …}`, which Mattermost, Rocket.Chat and Teams' Slack-compatible
 * hooks accept too). Slack reads `&`, `<` and `>` as markup, so they are
 * escaped in every value; links use Slack's `<url|label>` form.
 */
import type { Notice } from "./payload.js";

export interface SlackMessage {
  readonly text: string;
}

export function slackMessage(notice: Notice): SlackMessage {
  if (notice.kind === "failure")
    return {
      text: `meshcanary: ${notice.cycles} cycles in a row failed since ${notice.since}; every rollout is held. Last error: ${slackEscape(notice.error)}`,
    };
  const link = notice.report === undefined ? "" : ` <${slackEscape(notice.report)}|report>`;
  return {
    text: `meshcanary ${slackEscape(notice.subject)}: ${slackEscape(notice.reason)} (commit ${notice.commit.slice(0, 12)})${link}`,
  };
}

function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
