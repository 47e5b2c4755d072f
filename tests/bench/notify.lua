-- wrk script: durable Notify batches of 100 NewMail events, each a new
-- message for one of USERS backend users.
--   wrk ... -s notify.lua URL -- SESSION USERS RUN
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

local head = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Header><ocs:Session>%s</ocs:Session></soap:Header><soap:Body><ocs:Notify>]]
local event = [[<ocs:event><ocs:type>NewMail</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:event>]]
local tail = [[</ocs:Notify></soap:Body></soap:Envelope>]]
local headers = { ["Content-Type"] = "text/xml; charset=utf-8" }
local counter = 0

function init(args)
  session, users, run = args[1], tonumber(args[2]), args[3]
end

function request()
  local parts = { string.format(head, session) }
  for i = 1, 100 do
    counter = counter + 1
    local user = (counter * 7919 + thread_id) % users
    parts[#parts + 1] = string.format(event, user, string.format("%s-%d-%d", run, thread_id, counter))
  end
  parts[#parts + 1] = tail
  return wrk.format("POST", "/", headers, table.concat(parts))
end

-- The summary line the benchmark scripts read (check.lua, beside this one).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
done = require("check").done
