-- wrk script: SOAP 1.1 Ping, the in-run baseline of every benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.body = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Body><ocs:Ping/></soap:Body></soap:Envelope>]]

-- The summary line the benchmark scripts read (check.lua, beside this one).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
done = require("check").done
