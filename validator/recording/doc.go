// Package recording reads recorded HTTP traffic as [validator.Exchange] values and writes HAR
// files.
//
// [ReadFile] and [Read] read two formats, told apart by their content. The first is HAR 1.2, as
// browsers (Chrome, Firefox), Playwright, mitmproxy, Microsoft Dev Proxy and [HARWriter] export
// it. The second is NDJSON, one exchange per line:
//
//	{"request":{"method":"GET","url":"https://host/path?q=1","headers":{"Name":"v"},"body":...},"response":{"status":200,"headers":{"Name":["v1","v2"]},"body":...}}
//
// where a body is a JSON string (its contents are the body), any other JSON value (its JSON text
// is the body) or absent or null (no body), and "bodyEncoding":"base64" next to a string body
// says that the string is base64. The url is absolute or a path with its query; a line without
// a response records a request that got none.
//
// A malformed HAR entry or NDJSON line does not stop reading: it becomes an [Entry] whose Err
// says what is wrong with it.
//
// The package has HAR types of its own because the Go HAR libraries do not read real exports:
// github.com/google/martian/v3/har types the time of an entry and its timings as int64 while
// browsers export them as floats, and github.com/chromedp/cdproto/har types the text of a
// content as []byte, which encoding/json reads as base64. The types here decode only the fields
// an exchange needs, leniently: unknown fields, custom "_" fields included, are ignored, numbers
// that may be floats are never decoded as integers, and missing objects are tolerated.
package recording
