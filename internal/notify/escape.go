package notify

import (
	"net/url"
	"strings"
)

// Escapers make data (a task name, an error message: text nobody at the
// dashboard wrote) inert in one format: shown as it is, never as a link,
// a mention or formatting. The message's own words need none of this.

// plainText is for formats that take text as text: the generic webhook's
// "text" (JSON escaping is encoding/json's) and Feishu's "text" elements,
// which Feishu shows as they are.
func plainText(s string) string { return s }

// slackEntities escapes the three characters Slack reads as control
// characters in any text it parses (&, < and >), as Slack asks: with them
// escaped, data cannot make a link (<http://evil|x>), a mention (<!channel>,
// <@U123>) or a date.
var slackEntities = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackFallback is data in a message's top-level "text", which Slack shows
// only in notifications and to screen readers, as plain text after
// resolving links and mentions.
func slackFallback(s string) string { return slackEntities.Replace(s) }

// slackCode is data in mrkdwn shown in blocks. mrkdwn has no escape for its
// formatting characters (*bold*, _italic_, ~strike~, `code`), so data goes
// in an inline code span, the one construct whose content Slack shows
// verbatim. A backtick in the data, which would close the span, is shown
// as the look-alike ˋ (U+02CB); &, < and > are escaped as everywhere.
func slackCode(s string) string {
	if s == "" {
		return ""
	}
	return "`" + slackEntities.Replace(strings.ReplaceAll(s, "`", "ˋ")) + "`"
}

// markdown is data in the markdown of DingTalk and WeCom robots. The
// characters that open formatting, code or a link (\ ` * _ ~ [ ] ( )) get
// a CommonMark backslash escape. Escaping the parentheses too means that
// even a renderer that ignores backslash escapes (and shows them) sees
// "\[x\]\(http://evil\)", where no "](" joins a link. < > and & become
// entities, so that no HTML tag (WeCom's <font>, <@userid>) or autolink
// can form either way. Line-start syntax (#, >, -, 1.) cannot arise: clean
// has turned line breaks into spaces.
var markdown = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "~", `\~`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
).Replace

// safeLink is the event's link if it is an absolute http(s) URL (the only
// links a message offers), with the characters that would end a markdown
// link's destination early percent-encoded; "" otherwise.
func safeLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return linkChars.Replace(u.String())
}

var linkChars = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", `"`, "%22", `\`, "%5C", "`", "%60", "|", "%7C")
