-- Shared by the wrk scripts (require "check"): the summary line the
-- benchmark scripts read. Faults come back as HTTP 4xx/5xx: wrk counts
-- them, and the run reports them.
local check = {}

function check.done(summary, latency, requests)
  io.write(string.format("check requests=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end

return check
