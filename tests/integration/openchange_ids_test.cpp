// Every id on the wire is OpenChange's. An emulation of OpenChange on a real
// indexing.tdb (tests/support/openchange_emulation.hpp) provisions a
// mailbox and lists a folder; producers report every kind of event to the
// real daemon; a session drains through the client module's C interface,
// with the built-in resolver and with callbacks calling OpenChange's
// indexing as OpenChange would install them. Then OpenChange "opens" each
// notified id and lists the folders again: the ids must name the reported
// messages, be those the listing shows, and collide with nothing, across
// restarts of the daemon and of the consumer.
#include "client_module/ocsmanager_client.h"
#include "client_module/rop_notify.hpp"
#include "producer/producer_client.hpp"
#include "support/daemon.hpp"
#include "support/openchange_emulation.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace oc = ocs::test::openchange;
using ocs::client_module::DecodedNotify;
using ocs::client_module::TableEvent;

namespace {

const std::string kPassword = "openchange ids test password";
const std::string kInbox = "sogo://jdoe@INBOX/";
const std::string kArchive = "sogo://jdoe@Archive/";
const std::string kSub = "sogo://jdoe@INBOX/Sub/";
constexpr std::uint32_t kStoreHandle = 1;    // whole store, every object event
constexpr std::uint32_t kContentsHandle = 2; // INBOX's contents table

// OpenChange's indexing as the callbacks an OpenChange process installs;
// here they open the user's index for each call, as the emulation does.
ocs_status callbackMessageId(void* context, const char* user, const char* uri, int allocate, uint64_t* mid)
{
    const auto id = oc::messageId(*static_cast<std::string*>(context), user, uri, allocate != 0);
    if (!id)
        return OCS_E_NOT_FOUND;
    *mid = *id;
    return OCS_OK;
}

ocs_status callbackMessageUri(void* context, const char* user, uint64_t mid, char* uri, size_t size)
{
    const auto found = oc::openMessage(*static_cast<std::string*>(context), user, mid);
    if (!found)
        return OCS_E_NOT_FOUND;
    if (found->size() >= size)
        return OCS_E_BUFFER_TOO_SMALL;
    std::memcpy(uri, found->c_str(), found->size() + 1);
    return OCS_OK;
}

enum class Resolver { BuiltIn, Callbacks };

ocs::producer::NotifyEvent message(const std::string& type, const std::string& folder, const std::string& id)
{
    ocs::producer::NotifyEvent e;
    e.type = type;
    e.backend = "SOGo";
    e.username = "jdoe";
    e.folder = folder;
    e.messageId = id;
    return e;
}

ocs::producer::NotifyEvent moved(const std::string& type, const std::string& from, const std::string& oldId,
                                 const std::string& to, const std::string& id)
{
    ocs::producer::NotifyEvent e = message(type, to, id);
    e.oldFolder = from;
    e.oldMessageId = oldId;
    return e;
}

} // namespace

class OpenChangeIdsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(OpenChangeIdsTest);
    CPPUNIT_TEST(testIdsAreOpenChangesWithTheBuiltInResolver);
    CPPUNIT_TEST(testIdsAreOpenChangesWithCallbacks);
    CPPUNIT_TEST(testMessageSubscriptionFollowsItsMessageByUri);
    CPPUNIT_TEST(testWithoutResolverDrainIsRefusedAndNothingIsLost);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>();
        CPPUNIT_ASSERT_EQUAL(
            0, daemon_->accountTool({"add", "mta", "--backends", "SOGo", "--events",
                                     "NewMail,ObjectCreated,ObjectModified,ObjectDeleted,ObjectMoved,ObjectCopied"},
                                    kPassword + "\n"));
        // OpenChange provisions the mailbox (the root takes the first id)
        // and lists INBOX, which holds two messages.
        mailbox_ = oc::provisionMailbox(daemon_->mapistore(), "alice", {kInbox, kArchive, kSub});
        listed_ = oc::listFolder(daemon_->mapistore(), "alice", kInbox, {"1.eml", "2.eml"});
    }

    void tearDown() override
    {
        if (daemon_)
            CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testIdsAreOpenChangesWithTheBuiltInResolver() { everyEventType(Resolver::BuiltIn); }

    void testIdsAreOpenChangesWithCallbacks() { everyEventType(Resolver::Callbacks); }

    void testMessageSubscriptionFollowsItsMessageByUri()
    {
        open(Resolver::BuiltIn);
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, setUpSession("s-message", session));
        const std::uint64_t one = listed_.at(kInbox + "1.eml");
        // Subscribing to a message asks OpenChange's index which it is.
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_subscribe(session, 9, OCS_FNEV_OBJECT_MODIFIED | OCS_FNEV_OBJECT_MOVED,
                                                   fid(kInbox), one, OCS_TABLE_NONE));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_subscribe(session, 10, OCS_FNEV_OBJECT_MODIFIED, fid(kInbox),
                                                            0x7F00000000000001ULL, OCS_TABLE_NONE));
        notify({message("ObjectModified", "INBOX", "2"), message("ObjectModified", "INBOX", "1"),
                moved("ObjectMoved", "INBOX", "1", "Archive", "9")});
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 3, fid(kInbox)));
        std::vector<DecodedNotify> notes;
        for (const DecodedNotify& n : drainAll(session)) {
            if (n.handle == 9)
                notes.push_back(n);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, notes.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8010}, notes[0].data.flags);
        CPPUNIT_ASSERT_EQUAL(one, notes[0].data.mid);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8020}, notes[1].data.flags);
        CPPUNIT_ASSERT_EQUAL(one, notes[1].data.oldMid);
        CPPUNIT_ASSERT_EQUAL(fid(kArchive), notes[1].data.fid);
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_close(session));
        close();
        CPPUNIT_ASSERT(oc::openMessage(daemon_->mapistore(), "alice", notes[1].data.mid) ==
                       std::optional<std::string>(kArchive + "9.eml"));
    }

    void testWithoutResolverDrainIsRefusedAndNothingIsLost()
    {
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_open(daemon_->state().c_str(), &handle_));
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, setUpSession("s-none", session));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NO_RESOLVER,
                             ocs_subscribe(session, 5, OCS_FNEV_OBJECT_MODIFIED, fid(kInbox), 1, OCS_TABLE_NONE));
        notify({message("NewMail", "INBOX", "5")});
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 2));
        std::uint8_t buffer[1024];
        std::size_t written = 1, count = 1;
        CPPUNIT_ASSERT_EQUAL(OCS_E_NO_RESOLVER, ocs_drain(session, 0, buffer, sizeof buffer, &written, &count));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, written);
        CPPUNIT_ASSERT(std::string(ocs_status_string(OCS_E_NO_RESOLVER)).find("ocs_use_openchange_index") !=
                       std::string::npos);
        // Installed late, the resolver gets the entry that was waiting.
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_use_openchange_index(handle_, daemon_->mapistore().c_str()));
        const auto notes = drainAll(session);
        CPPUNIT_ASSERT(!notes.empty());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8002}, notes[0].data.flags);
        ocs_session_close(session);
        close();
        CPPUNIT_ASSERT(oc::openMessage(daemon_->mapistore(), "alice", notes[0].data.mid) ==
                       std::optional<std::string>(kInbox + "5.eml"));
    }

  private:
    // Every event type, through one session with a whole-store subscription
    // and INBOX's contents table; then OpenChange checks the ids; then the
    // daemon and the consumer restart and it goes on.
    void everyEventType(Resolver resolver)
    {
        const std::uint64_t one = listed_.at(kInbox + "1.eml");
        const std::uint64_t two = listed_.at(kInbox + "2.eml");
        open(resolver);
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, setUpSession("s-all", session));

        ocs::producer::NotifyEvent created = message("ObjectCreated", "INBOX/Sub", "");
        created.kind = "folder";
        created.messageId.reset();
        created.parentFolder = "INBOX";
        notify({message("NewMail", "INBOX", "3"),        // new to OpenChange: allocated
                message("ObjectModified", "INBOX", "1"), // listed before: its id
                message("ObjectDeleted", "INBOX", "99"), // never indexed
                moved("ObjectMoved", "INBOX", "2", "Archive", "7"), moved("ObjectCopied", "INBOX", "1", "Archive", "8"),
                created});
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 7));
        const auto notes = drainAll(session);

        std::vector<DecodedNotify> store, contents;
        for (const DecodedNotify& n : notes)
            (n.handle == kStoreHandle ? store : contents).push_back(n);
        // Whole store: NewMail and ObjectCreated for the new message,
        // modified, (deleted: unknown to OpenChange, nothing), moved,
        // copied, the folder created.
        CPPUNIT_ASSERT_EQUAL(std::size_t{6}, store.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8002}, store[0].data.flags);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8004}, store[1].data.flags);
        const std::uint64_t three = store[0].data.mid;
        CPPUNIT_ASSERT_EQUAL(fid(kInbox), store[0].data.fid);
        CPPUNIT_ASSERT_EQUAL(three, store[1].data.mid);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8010}, store[2].data.flags);
        CPPUNIT_ASSERT_EQUAL(one, store[2].data.mid);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8020}, store[3].data.flags);
        CPPUNIT_ASSERT_EQUAL(two, store[3].data.oldMid);
        CPPUNIT_ASSERT_EQUAL(fid(kInbox), store[3].data.oldFid);
        CPPUNIT_ASSERT_EQUAL(fid(kArchive), store[3].data.fid);
        const std::uint64_t seven = store[3].data.mid;
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8040}, store[4].data.flags);
        CPPUNIT_ASSERT_EQUAL(one, store[4].data.oldMid);
        const std::uint64_t eight = store[4].data.mid;
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0004}, store[5].data.flags);
        CPPUNIT_ASSERT_EQUAL(fid(kSub), store[5].data.fid);
        CPPUNIT_ASSERT_EQUAL(fid(kInbox), store[5].data.parentFid);
        // INBOX's contents table: re-read for the new mail and the change,
        // re-read for the message OpenChange never indexed, the moved row
        // deleted by OpenChange's id; the copy leaves it as it was.
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, contents.size());
        for (std::size_t i : {0, 1, 2})
            CPPUNIT_ASSERT(contents[i].data.tableEvent == TableEvent::Changed);
        CPPUNIT_ASSERT(contents[3].data.tableEvent == TableEvent::RowDeleted);
        CPPUNIT_ASSERT_EQUAL(two, contents[3].data.tableRowMid);
        CPPUNIT_ASSERT_EQUAL(fid(kInbox), contents[3].data.tableRowFid);
        ocs_session_detach(session);
        close(); // the consumer goes away: OpenChange may use the index now

        // OpenChange opens what was notified and finds the reported messages...
        for (auto [id, uri] : {std::pair{three, kInbox + "3.eml"}, std::pair{one, kInbox + "1.eml"},
                               std::pair{seven, kArchive + "7.eml"}, std::pair{eight, kArchive + "8.eml"}})
            CPPUNIT_ASSERT(oc::openMessage(daemon_->mapistore(), "alice", id) == std::optional<std::string>(uri));
        // ...lists the folders and sees the same ids, not second ones...
        const auto inbox = oc::listFolder(daemon_->mapistore(), "alice", kInbox, {"1.eml", "2.eml", "3.eml"});
        CPPUNIT_ASSERT_EQUAL(three, inbox.at(kInbox + "3.eml"));
        CPPUNIT_ASSERT_EQUAL(one, inbox.at(kInbox + "1.eml"));
        const auto archive = oc::listFolder(daemon_->mapistore(), "alice", kArchive, {"7.eml", "8.eml"});
        CPPUNIT_ASSERT_EQUAL(seven, archive.at(kArchive + "7.eml"));
        CPPUNIT_ASSERT_EQUAL(eight, archive.at(kArchive + "8.eml"));
        // ...and the message it never knew got no id.
        CPPUNIT_ASSERT(!oc::messageId(daemon_->mapistore(), "alice", kInbox + "99.eml", false));
        assertNoIdTwice({three, seven, eight});

        // The daemon restarts, then the consumer resumes the session.
        CPPUNIT_ASSERT_EQUAL(0, daemon_->restart());
        producer_.reset();
        open(resolver);
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", "s-all", &session));
        const auto again = notify({message("NewMail", "INBOX", "3"), message("NewMail", "INBOX", "4")});
        CPPUNIT_ASSERT_EQUAL(std::string("duplicate"), again[0].status); // the window survived the restart
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 8));
        const auto later = drainAll(session);
        CPPUNIT_ASSERT(!later.empty());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x8002}, later[0].data.flags);
        const std::uint64_t four = later[0].data.mid;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_close(session));
        close();
        CPPUNIT_ASSERT(oc::openMessage(daemon_->mapistore(), "alice", four) ==
                       std::optional<std::string>(kInbox + "4.eml"));
        CPPUNIT_ASSERT_EQUAL(four,
                             oc::listFolder(daemon_->mapistore(), "alice", kInbox, {"4.eml"}).at(kInbox + "4.eml"));
        assertNoIdTwice({three, seven, eight, four});
    }

    // The ids given for messages are fresh ids of OpenChange's counter: none
    // is a folder's, the root's, or another message's.
    void assertNoIdTwice(const std::vector<std::uint64_t>& given)
    {
        const auto all = oc::allocatedIds(daemon_->mapistore(), "alice");
        CPPUNIT_ASSERT(std::set<std::uint64_t>(all.begin(), all.end()).size() == all.size());
        std::set<std::uint64_t> folders{mailbox_.root};
        for (const auto& [uri, id] : mailbox_.fids)
            folders.insert(id);
        std::set<std::uint64_t> seen;
        for (std::uint64_t id : given) {
            CPPUNIT_ASSERT(id != 0);
            CPPUNIT_ASSERT(folders.count(id) == 0);
            CPPUNIT_ASSERT(seen.insert(id).second);
            CPPUNIT_ASSERT(std::count(all.begin(), all.end(), id) == 1);
        }
    }

    void open(Resolver resolver)
    {
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_open(daemon_->state().c_str(), &handle_));
        if (resolver == Resolver::BuiltIn) {
            CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_use_openchange_index(handle_, daemon_->mapistore().c_str()));
            return;
        }
        mapistore_ = daemon_->mapistore();
        const ocs_id_resolver callbacks{&mapistore_, callbackMessageId, callbackMessageUri};
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_set_id_resolver(handle_, &callbacks));
    }

    void close()
    {
        ocs_close(handle_);
        handle_ = nullptr;
    }

    std::uint64_t fid(const std::string& uri) const { return mailbox_.fids.at(uri); }

    // Bindings and folders as OpenChange registers them, a session with a
    // whole-store subscription and INBOX's contents table.
    ocs_status setUpSession(const char* id, ocs_session*& session)
    {
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_bind(handle_, "alice", "SOGo", "jdoe"));
        for (const auto& [uri, folder] : mailbox_.fids)
            CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_map_folder(handle_, "alice", uri.c_str(), folder));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", id, &session));
        const uint16_t objects = OCS_FNEV_NEW_MAIL | OCS_FNEV_OBJECT_CREATED | OCS_FNEV_OBJECT_DELETED |
                                 OCS_FNEV_OBJECT_MODIFIED | OCS_FNEV_OBJECT_MOVED | OCS_FNEV_OBJECT_COPIED;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_subscribe(session, kStoreHandle, objects, 0, 0, OCS_TABLE_NONE));
        return ocs_subscribe(session, kContentsHandle, OCS_FNEV_TABLE_MODIFIED, fid(kInbox), 0, OCS_TABLE_CONTENTS);
    }

    std::vector<ocs::producer::EventOutcome> notify(const std::vector<ocs::producer::NotifyEvent>& events)
    {
        if (!producer_) {
            ocs::producer::ClientOptions options;
            options.url = daemon_->url();
            producer_ = std::make_unique<ocs::producer::ProducerClient>(options);
            CPPUNIT_ASSERT(producer_->login("mta", kPassword));
        }
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT_MESSAGE(producer_->lastError().message, producer_->notify(events, outcomes));
        CPPUNIT_ASSERT_EQUAL(events.size(), outcomes.size());
        for (const auto& outcome : outcomes)
            CPPUNIT_ASSERT_MESSAGE(outcome.error.message, outcome.status != "error");
        return outcomes;
    }

    std::vector<DecodedNotify> drainAll(ocs_session* session)
    {
        std::vector<DecodedNotify> out;
        for (;;) {
            std::vector<std::uint8_t> buffer(65536);
            std::size_t written = 0, count = 0;
            CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count));
            if (count == 0)
                return out;
            auto decoded = ocs::client_module::decodeRopNotifies(ocs::ByteView(buffer.data(), written));
            CPPUNIT_ASSERT(decoded.ok());
            out.insert(out.end(), decoded->begin(), decoded->end());
        }
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
    std::unique_ptr<ocs::producer::ProducerClient> producer_;
    ocs_handle* handle_ = nullptr;
    std::string mapistore_;
    oc::Mailbox mailbox_;
    std::map<std::string, std::uint64_t> listed_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenChangeIdsTest);
