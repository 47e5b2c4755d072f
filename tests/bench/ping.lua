-- wrk script: SOAP 1.1 Ping, the in-run baseline of every benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.body = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Body><ocs:Ping/></soap:Body></soap:Envelope>]]

-- Faults come back as HTTP 4xx/5xx: wrk counts them, and the run reports them.
function done(summary, latency, requests)
  io.write(string.format("check requests=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
