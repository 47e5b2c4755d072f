-- wrk script: durable NewMail, each request a new message for one of USERS
-- backend users (userN, as ocs-bench-provision binds them).
--   wrk ... -s newmail.lua URL -- SESSION USERS RUN
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

local template = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Header><ocs:Session>%s</ocs:Session></soap:Header><soap:Body><ocs:NewMail><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:NewMail></soap:Body></soap:Envelope>]]
local headers = { ["Content-Type"] = "text/xml; charset=utf-8" }
local counter = 0

function init(args)
  session, users, run = args[1], tonumber(args[2]), args[3]
end

function request()
  counter = counter + 1
  local user = (counter * 7919 + thread_id) % users
  local id = string.format("%s-%d-%d", run, thread_id, counter)
  return wrk.format("POST", "/", headers, string.format(template, session, user, id))
end

-- The summary line the benchmark scripts read (check.lua, beside this one).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
done = require("check").done
