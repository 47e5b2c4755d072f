-- wrk script: durable NewMail of new messages; from the 401st request of a
-- thread on, every other request is instead a Notify of one ObjectModified
-- event (a flag change) for the message that thread reported 201 requests
-- earlier, already in store.tdb: a message the index has to be read for.
--   wrk ... -s modify.lua URL -- SESSION USERS RUN
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end
local env = [[<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ocs="urn:openchange:ocsmanager:1"><soap:Header><ocs:Session>%s</ocs:Session></soap:Header><soap:Body>%s</soap:Body></soap:Envelope>]]
local newmail = [[<ocs:NewMail><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:NewMail>]]
local modify = [[<ocs:Notify><ocs:event><ocs:type>ObjectModified</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:event></ocs:Notify>]]
local headers = { ["Content-Type"] = "text/xml; charset=utf-8" }
local counter = 0
function init(args)
  session, users, run = args[1], tonumber(args[2]), args[3]
end
function request()
  counter = counter + 1
  local body
  if counter % 2 == 0 and counter > 400 then
    local c = counter - 201
    body = string.format(modify, (c * 7919 + thread_id) % users, string.format("%s-%d-%d", run, thread_id, c))
  else
    body = string.format(newmail, (counter * 7919 + thread_id) % users, string.format("%s-%d-%d", run, thread_id, counter))
  end
  return wrk.format("POST", "/", headers, string.format(env, session, body))
end

-- The summary line the benchmark scripts read (check.lua, beside this one).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
done = require("check").done
