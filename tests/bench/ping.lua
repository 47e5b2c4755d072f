-- wrk script: SOAP 1.1 Ping, the in-run baseline of every benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.body = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Body><ocs:Ping/></soap:Body></soap:Envelope>]]

-- Count answers that are not a PingResponse, so a fault cannot pass as speed.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, "PingResponse", 1, true) then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("ping-check requests=%d non_ping_answers=%d p50_us=%d p99_us=%d\n",
    summary.requests, bad, latency:percentile(50), latency:percentile(99)))
end
