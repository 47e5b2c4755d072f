// The client module end to end, through its C interface: the real daemon,
// an independent SOAP client (the generated proxy) reporting NewMail, and
// sessions that wake, drain RopNotify bytes and receive UDP pushes.
#include "client_module/ocsmanager_client.h"
#include "client_module/rop_notify.hpp"
#include "producer/producer_client.hpp"
#include "store/model.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"
#include "support/openchange_emulation.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using ocs::client_module::DecodedNotify;

namespace {

const std::string kPassword = "client module test password";
// As OpenChange provisions alice's mailbox (setUp): the root takes counter
// 1, INBOX counter 2; messages take the next ones as sessions receive them.
constexpr std::uint64_t kInbox = 0x0200000000000001ULL;

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN);
}

} // namespace

class ClientModuleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClientModuleTest);
    CPPUNIT_TEST(testNewMailWakesTheSessionAndDrainsAsRopNotify);
    CPPUNIT_TEST(testTwoSessionsOnOneQueueBothReceive);
    CPPUNIT_TEST(testPushIsSentOnceUntilTheSessionDrains);
    CPPUNIT_TEST(testSessionBehindTheWindowIsToldItMissedEvents);
    CPPUNIT_TEST(testCursorPastTheQueueEndIsToldItMissedEvents);
    CPPUNIT_TEST(testReopenedSessionResumesFromItsCursor);
    CPPUNIT_TEST(testDrainIsBoundedByTheBuffer);
    CPPUNIT_TEST(testSessionsInSeveralThreadsEachReceiveEverything);
    CPPUNIT_TEST(testBadArgumentsAreRefused);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        const auto mailbox =
            ocs::test::openchange::provisionMailbox(daemon_->mapistore(), "alice", {"sogo://jdoe@INBOX/"});
        CPPUNIT_ASSERT_EQUAL(kInbox, mailbox.fids.at("sogo://jdoe@INBOX/"));
        openHandle();
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_bind(handle_, "alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_map_folder(handle_, "alice", "sogo://jdoe@INBOX/", kInbox));
        ocs::producer::ClientOptions options;
        options.url = daemon_->url();
        producer_ = std::make_unique<ocs::producer::ProducerClient>(options);
        CPPUNIT_ASSERT(producer_->login("mta", kPassword));
    }

    void tearDown() override
    {
        producer_.reset();
        ocs_close(handle_);
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testNewMailWakesTheSessionAndDrainsAsRopNotify()
    {
        ocs_session* session = openSession("session-a", 7);
        CPPUNIT_ASSERT(!readable(ocs_session_fd(session), 100));
        const std::string id = newMail("61");
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 3000));
        const auto notes = drain(session);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notes.size());
        const DecodedNotify& note = notes.front();
        CPPUNIT_ASSERT_EQUAL(std::uint32_t{7}, note.handle);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{OCS_FNEV_NEW_MAIL}, note.data.type());
        CPPUNIT_ASSERT_EQUAL(kInbox, note.data.fid);
        CPPUNIT_ASSERT_EQUAL(midOf(3), note.data.mid);
        CPPUNIT_ASSERT_EQUAL(std::string("IPM.Note"), note.data.messageClass);
        // Drained: not readable until the next entry.
        CPPUNIT_ASSERT(!readable(ocs_session_fd(session), 100));
        CPPUNIT_ASSERT(drain(session).empty());
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_close(session));
    }

    void testTwoSessionsOnOneQueueBothReceive()
    {
        ocs_session* first = openSession("session-a", 1);
        ocs_session* second = openSession("session-b", 2);
        newMail("62");
        for (auto [session, handle] : {std::pair{first, 1u}, std::pair{second, 2u}}) {
            CPPUNIT_ASSERT(readable(ocs_session_fd(session), 3000));
            const auto notes = drain(session);
            CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notes.size());
            CPPUNIT_ASSERT_EQUAL(std::uint32_t{handle}, notes.front().handle);
        }
        ocs_session_close(first);
        ocs_session_close(second);
    }

    void testPushIsSentOnceUntilTheSessionDrains()
    {
        ocs_session* session = openSession("session-p", 3);
        const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof local;
        CPPUNIT_ASSERT_EQUAL(0, ::bind(udp, reinterpret_cast<sockaddr*>(&local), sizeof local));
        CPPUNIT_ASSERT_EQUAL(0, ::getsockname(udp, reinterpret_cast<sockaddr*>(&local), &length));
        // The SOCKADDR of EcRRegisterPushNotification: family (LE), port (BE), address, zero.
        std::uint8_t wire[16] = {0x02, 0x00};
        std::memcpy(wire + 2, &local.sin_port, 2);
        std::memcpy(wire + 4, &local.sin_addr, 4);
        const std::uint8_t context[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
        std::uint32_t pushHandle = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_OK,
                             ocs_push_register(session, context, sizeof context, wire, sizeof wire, &pushHandle));
        CPPUNIT_ASSERT(pushHandle != 0);

        newMail("63");
        newMail("64");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("\xde\xad\xbe\xef\x01", 5), receive(udp, 3000));
        CPPUNIT_ASSERT_EQUAL(std::string(), receive(udp, 300)); // coalesced: no second datagram
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, drain(session).size());
        newMail("65");
        CPPUNIT_ASSERT_EQUAL(std::string("\xde\xad\xbe\xef\x01", 5), receive(udp, 3000));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_push_unregister(session, pushHandle));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_push_unregister(session, pushHandle));
        ::close(udp);
        ocs_session_close(session);
    }

    void testSessionBehindTheWindowIsToldItMissedEvents()
    {
        ocs_session* session = openSession("session-m", 9);
        // 1200 new messages in batches that fit limits.max_request_bytes; the
        // queue keeps the newest 1000.
        for (int batch = 0; batch < 8; ++batch) {
            std::vector<ocs::producer::NotifyEvent> events;
            for (int i = 0; i < 150; ++i) {
                ocs::producer::NotifyEvent e;
                e.backend = "SOGo";
                e.username = "jdoe";
                e.folder = "INBOX";
                e.messageId = "m" + std::to_string(batch * 150 + i);
                events.push_back(e);
            }
            std::vector<ocs::producer::EventOutcome> outcomes;
            CPPUNIT_ASSERT_MESSAGE(producer_->lastError().message, producer_->notify(events, outcomes));
        }
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 1201));
        std::vector<DecodedNotify> notes;
        for (auto more = drain(session); !more.empty(); more = drain(session))
            notes.insert(notes.end(), more.begin(), more.end());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1001}, notes.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{OCS_FNEV_TABLE_MODIFIED}, notes[0].data.type());
        CPPUNIT_ASSERT(notes[0].data.tableEvent == ocs::client_module::TableEvent::Changed);
        for (std::size_t i = 1; i < notes.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL(std::uint16_t{OCS_FNEV_NEW_MAIL}, notes[i].data.type());
            CPPUNIT_ASSERT_EQUAL(midOf(2 + i), notes[i].data.mid); // messages 201 to 1200, in order
        }
        ocs_session_close(session);
    }

    // registry.tdb newer than store.tdb (the store restored from an older
    // copy without its journal): the session's cursor is past the queue's
    // end. Entries up to the cursor would be skipped without a word; the
    // session is told it missed events, then receives what follows.
    void testCursorPastTheQueueEndIsToldItMissedEvents()
    {
        ocs_session* session = openSession("session-x", 5);
        newMail("91");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 2));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, drain(session).size());
        ocs_session_detach(session);
        ocs_close(handle_);
        handle_ = nullptr;
        {
            auto registry = ocs::store::Registry::open(daemon_->state());
            CPPUNIT_ASSERT(registry.ok());
            CPPUNIT_ASSERT(
                (*registry)
                    ->setCursors("session-x", {{ocs::store::QueueKey{"alice", 0, ocs::store::TableType::None}, 50}})
                    .ok());
        }
        openHandle();
        ocs_session* reopened = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", "session-x", &reopened));
        newMail("92");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 3));
        auto notes = drain(reopened);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notes.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{OCS_FNEV_TABLE_MODIFIED}, notes[0].data.type());
        CPPUNIT_ASSERT(notes[0].data.tableEvent == ocs::client_module::TableEvent::Changed);
        newMail("93");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 4));
        notes = drain(reopened);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notes.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{OCS_FNEV_NEW_MAIL}, notes[0].data.type());
        CPPUNIT_ASSERT_EQUAL(midOf(4), notes[0].data.mid); // 92 was never received: no id
        CPPUNIT_ASSERT(drain(reopened).empty());
        ocs_session_close(reopened);
    }

    void testReopenedSessionResumesFromItsCursor()
    {
        ocs_session* session = openSession("session-r", 4);
        newMail("81");
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 3000));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, drain(session).size());
        newMail("82");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 3));
        ocs_session_detach(session); // the process went away without closing
        ocs_session* reopened = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", "session-r", &reopened));
        CPPUNIT_ASSERT(readable(ocs_session_fd(reopened), 1000));
        const auto notes = drain(reopened);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notes.size());
        CPPUNIT_ASSERT_EQUAL(midOf(4), notes.front().data.mid);
        ocs_session_close(reopened);
    }

    void testDrainIsBoundedByTheBuffer()
    {
        ocs_session* session = openSession("session-b", 5);
        newMail("91");
        newMail("92");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 3));
        std::vector<std::uint8_t> buffer(4096);
        std::size_t written = 0, count = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_E_BUFFER_TOO_SMALL, ocs_drain(session, 0, buffer.data(), 8, &written, &count));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count));
        const std::size_t one = written / 2;
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, count);
        // Two more, and room for exactly one: the other stays, the descriptor stays readable.
        newMail("93");
        newMail("94");
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue("alice", 5));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer.data(), one, &written, &count));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, count);
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 1000));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, count);
        ocs_session_close(session);
    }

    void testSessionsInSeveralThreadsEachReceiveEverything()
    {
        // One handle, one session per thread, all draining while events arrive.
        constexpr int kThreads = 4;
        constexpr std::size_t kMails = 20;
        std::vector<ocs_session*> sessions;
        for (int t = 0; t < kThreads; ++t)
            sessions.push_back(openSession(("thread-" + std::to_string(t)).c_str(), 10 + t));
        std::vector<std::size_t> received(kThreads, 0);
        std::vector<std::thread> consumers;
        for (int t = 0; t < kThreads; ++t) {
            consumers.emplace_back([&, t] {
                std::vector<std::uint8_t> buffer(65536);
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
                while (received[t] < kMails && std::chrono::steady_clock::now() < deadline) {
                    if (!readable(ocs_session_fd(sessions[t]), 200))
                        continue;
                    std::size_t written = 0, count = 0;
                    if (ocs_drain(sessions[t], 0, buffer.data(), buffer.size(), &written, &count) != OCS_OK)
                        return;
                    received[t] += count;
                }
            });
        }
        for (std::size_t i = 0; i < kMails; ++i)
            newMail("t" + std::to_string(i));
        for (std::thread& consumer : consumers)
            consumer.join();
        for (int t = 0; t < kThreads; ++t) {
            CPPUNIT_ASSERT_EQUAL(kMails, received[t]);
            CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_close(sessions[t]));
        }
    }

    void testBadArgumentsAreRefused()
    {
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_session_open(handle_, "alice", "bad/id", &session));
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_session_open(handle_, "", nullptr, &session));
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_bind(handle_, "alice", nullptr, "jdoe"));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_unbind(handle_, "nobody", "SOGo", "jdoe"));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", nullptr, &session));
        CPPUNIT_ASSERT(std::strlen(ocs_session_id(session)) == 32);
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT,
                             ocs_subscribe(session, 1, OCS_FNEV_TABLE_MODIFIED, 0, 0, OCS_TABLE_CONTENTS));
        const std::uint8_t truncated[] = {0x02, 0x00, 0x13};
        std::uint32_t pushHandle = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT,
                             ocs_push_register(session, truncated, 1, truncated, sizeof truncated, &pushHandle));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_unsubscribe(session, 99));
        CPPUNIT_ASSERT(std::string(ocs_status_string(OCS_E_STORE)).rfind("OCS_E_STORE", 0) == 0);
        ocs_session_close(session);
    }

  private:
    ocs_session* openSession(const char* id, std::uint32_t handle)
    {
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", id, &session));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_subscribe(session, handle, OCS_FNEV_NEW_MAIL, 0, 0, OCS_TABLE_NONE));
        drain(session); // a new session starts with a wake-up to look
        return session;
    }

    std::string newMail(const std::string& id)
    {
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT_MESSAGE(producer_->lastError().message,
                               producer_->newMail({"SOGo", "jdoe", "INBOX", id, {}, {}, {}, {}}, result));
        return id;
    }

    std::vector<DecodedNotify> drain(ocs_session* session)
    {
        std::vector<std::uint8_t> buffer(65536);
        std::size_t written = 0, count = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count));
        auto decoded = ocs::client_module::decodeRopNotifies(ocs::ByteView(buffer.data(), written));
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT_EQUAL(count, decoded->size());
        return *decoded;
    }

    // The id of OpenChange's counter `counter` (replica 1): each test starts
    // on a new mailbox, and messages take ids in the order drained. (This
    // process has the index open through the module, and tdb allows one
    // open per process: openchange_ids_test.cpp looks at the index itself.)
    static std::uint64_t midOf(std::uint64_t counter) { return ocs::store::makeMapiId(counter, 1); }

    // A handle with OpenChange's index as its resolver.
    void openHandle()
    {
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_open(daemon_->state().c_str(), &handle_));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_use_openchange_index(handle_, daemon_->mapistore().c_str()));
    }

    static std::string receive(int udp, int timeoutMs)
    {
        if (!readable(udp, timeoutMs))
            return {};
        char buffer[512];
        const ssize_t n = ::recv(udp, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
    ocs_handle* handle_ = nullptr;
    std::unique_ptr<ocs::producer::ProducerClient> producer_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientModuleTest);
