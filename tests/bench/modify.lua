-- wrk script: durable NewMail of new messages; from the 401st request of a
-- thread on, every other request is instead a Notify of one ObjectModified
-- event (a flag change) for the message that thread reported 201 requests
-- earlier, already in store.tdb: a message the index has to be read for.
--   wrk ... -s modify.lua URL -- SESSION USERS RUN
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local bench = require("bench")
setup, init, done = bench.setup, bench.init, bench.done

local modify = [[<ocs:Notify><ocs:event><ocs:type>ObjectModified</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:event></ocs:Notify>]]
local counter = 0
function request()
  counter = counter + 1
  if counter % 2 == 0 and counter > 400 then
    return bench.post(string.format(modify, bench.message(counter - 201)))
  end
  return bench.post(bench.newMail(counter))
end
