// Package accesslog reads web access logs as request records, from which
// kiban computes service level indicators: availability from the status
// codes, latency from the durations.
//
// A Reader parses one stream in one format, skipping blank lines and
// counting malformed ones, which never stop it. Open opens a file or
// standard input and decompresses gzip. The parsers are written by hand,
// without regular expressions, and a record allocates little more than its
// path: they read an ALB log at several hundred megabytes a second.
//
// # ALB
//
// FormatALB reads the access logs of an AWS Application Load Balancer
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html),
// one request a line, in fields separated by spaces:
//
//	type time elb client:port target:port request_processing_time
//	target_processing_time response_processing_time elb_status_code
//	target_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//	"chosen_cert_arn" matched_rule_priority request_creation_time
//	"actions_executed" "redirect_url" "error_reason" "target:port_list"
//	"target_status_code_list" "classification" "classification_reason"
//	conn_trace_id
//
// A quoted field ends at a double quote that a backslash does not escape
// and that a space or the end of the line follows. A line must have the 18
// fields through trace_id, which every ALB log has; the fields after them
// were added over the years and are read when present, and fields AWS adds
// at the end of the line in future are ignored. A record is made of:
//
//   - Time: request_creation_time, when the load balancer received the
//     request (time is when it sent the response); time on a line without
//     request_creation_time. Both must be RFC 3339 timestamps.
//   - Host: domain_name (the TLS SNI name) or, when it is "-", the host of
//     the request's URL, which ALB logs as METHOD scheme://host:port/path?query
//     PROTOCOL.
//   - Method, Path: from the request.
//   - Status: elb_status_code, the status the client got, including the
//     load balancer's own (460, 502, 503, ...).
//   - Duration: the sum of the three processing times, unknown when any is
//     -1.
//
// ALB logs a request it could not parse as "- scheme://host:port- -"; such
// a line is a record with an empty method and path.
//
// # nginx
//
// FormatNginx reads nginx's predefined "combined" format, which Apache's
// combined format shares, optionally followed by the request's duration
// and host. The recommended format, which gives records every field, is:
//
//	log_format kiban '$remote_addr - $remote_user [$time_local] '
//	                 '"$request" $status $body_bytes_sent '
//	                 '"$http_referer" "$http_user_agent" '
//	                 '$request_time "$host"';
//
// A line is the combined format's nine fields, then:
//
//   - nothing (plain combined): Host is empty, unless the request's target
//     is an absolute URL, and Duration is unknown;
//   - or $request_time, in seconds (0.004), then optionally
//     $upstream_response_time (ignored; it may be a list such as "0.002,
//     0.010 : 0.001"), then optionally "$host" (quoted);
//   - or anything else, which is ignored: the predefined "main" format's
//     "$http_x_forwarded_for", for one.
//
// Time is $time_local (02/Jan/2006:15:04:05 -0700), when nginx logged the
// response. A "$request" of "-" (a connection that sent no request) is a
// record with an empty method and path. A request line whose method is not
// an HTTP token, such as the escaped bytes of a TLS handshake sent to a
// plain HTTP port, is malformed.
//
// # JSON lines
//
// FormatJSONL reads one JSON object a line; members other than these are
// ignored, as are white space around the object and nested values:
//
//   - time (required): an RFC 3339 string (nginx's $time_iso8601), a Unix
//     time in seconds or milliseconds as a number or a string ($msec),
//     told apart by magnitude (from 1e11 on, milliseconds), or a string in
//     nginx's $time_local format.
//   - status (required): a number or a string.
//   - host: a string; a port is stripped.
//   - method: a string.
//   - path, uri, request_uri or url, preferred in that order: a string, a
//     path or an absolute URL, whose host is taken when there is no host
//     member; the query is dropped.
//   - request: a request line, "GET /path HTTP/1.1", for the method and
//     the path when the members above are missing.
//   - duration or request_time, in seconds, or duration_ms, in
//     milliseconds, preferred in that order: a number, or a string holding
//     one; "-", "", null or a negative number is unknown.
//
// A null member is a missing one. Strings are unescaped as JSON.
//
// # Malformed lines
//
// A line that does not parse, whose status is not 100 to 599 or whose
// time is invalid, or that is longer than MaxLineBytes, is skipped and
// counted in Stats, which keeps the first MaxErrors as LineErrors with
// their line numbers. Lines end with "\n" or "\r\n"; a UTF-8 byte order
// mark at the start of the stream is ignored.
package accesslog
