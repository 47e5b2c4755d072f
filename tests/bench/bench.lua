-- Shared by the wrk scripts (require "bench"): thread numbers, the
-- arguments SESSION USERS RUN, the SOAP envelope around a body, the user and
-- id of a thread's n-th new message, and the summary line the benchmark
-- scripts read (faults come back as HTTP 4xx/5xx: wrk counts them, and the
-- run reports them).
local bench = {}

local next_thread = 0
function bench.setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function bench.init(args)
  bench.session, bench.users, bench.run = args[1], tonumber(args[2]), args[3]
end

local envelope = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Header><ocs:Session>%s</ocs:Session></soap:Header><soap:Body>%s</soap:Body></soap:Envelope>]]
local headers = { ["Content-Type"] = "text/xml; charset=utf-8" }

-- A POST of `body` in the envelope, with the session.
function bench.post(body)
  return wrk.format("POST", "/", headers, string.format(envelope, bench.session, body))
end

-- The n-th message of this thread: its backend user's number (userN, as
-- ocs-bench-provision binds them) and its message id, new in each run.
function bench.message(n)
  return (n * 7919 + thread_id) % bench.users, string.format("%s-%d-%d", bench.run, thread_id, n)
end

local newmail = [[<ocs:NewMail><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:NewMail>]]

-- The NewMail body of the thread's n-th message.
function bench.newMail(n)
  return string.format(newmail, bench.message(n))
end

function bench.done(summary, latency, requests)
  io.write(string.format("check requests=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end

return bench
