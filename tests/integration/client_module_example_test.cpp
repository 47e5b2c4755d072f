// The programs a newcomer runs: the example of doc/client-module.md (built
// from the page) and ocsmanager-consumer, each receiving a NewMail that an
// independent client reports to a real daemon.
#include "producer/producer_client.hpp"
#include "support/daemon.hpp"
#include "support/openchange_emulation.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

namespace {

const std::string kPassword = "example test password";

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class ClientModuleExampleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClientModuleExampleTest);
    CPPUNIT_TEST(testDocumentedExampleReceivesANotification);
    CPPUNIT_TEST(testConsumerPrintsTheNotificationDecoded);
    CPPUNIT_TEST(testConsumerPrintsJsonAndHex);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
    }

    void tearDown() override
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testDocumentedExampleReceivesANotification()
    {
        // The mailbox as OpenChange provisions it: root, then INBOX.
        const auto mailbox =
            ocs::test::openchange::provisionMailbox(daemon_->mapistore(), "alice", {"sogo://jdoe@INBOX/"});
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0200000000000001}, mailbox.fids.at("sogo://jdoe@INBOX/"));
        ocs::test::Process example({OCS_MODULE_EXAMPLE, daemon_->state(), daemon_->mapistore(), "10"});
        CPPUNIT_ASSERT_MESSAGE(example.output(), example.awaitOutput("ready", 5000));
        newMail("61");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(example.output(), 0, example.wait(10000));
        CPPUNIT_ASSERT_MESSAGE(example.output(), contains(example.output(), "drained 1 notification(s)") &&
                                                     contains(example.output(), "first RopId 0x2a") &&
                                                     contains(example.output(), "MID 0x0300000000000001"));
        // The id is OpenChange's: its index says which message it is.
        CPPUNIT_ASSERT(ocs::test::openchange::openMessage(daemon_->mapistore(), "alice", 0x0300000000000001) ==
                       std::optional<std::string>("sogo://jdoe@INBOX/61.eml"));
    }

    void testConsumerPrintsTheNotificationDecoded()
    {
        ocs::test::Process consumer(consumerArgs("text"));
        CPPUNIT_ASSERT_MESSAGE(consumer.output(), consumer.awaitOutput("waiting for notifications", 5000));
        newMail("62");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(consumer.output(), 0, consumer.wait(10000));
        const std::string out = consumer.output();
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "NewMail"));
        // INBOX took the index's first id, the message the next one.
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "folder sogo://jdoe@INBOX/ is FID 0x0100000000000001"));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "fid=0x0100000000000001 mid=0x0200000000000001"));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "IPM.Note"));
    }

    void testConsumerPrintsJsonAndHex()
    {
        ocs::test::Process json(consumerArgs("json", "s-json"));
        ocs::test::Process hex(consumerArgs("hex", "s-hex"));
        CPPUNIT_ASSERT(json.awaitOutput("waiting for notifications", 5000));
        CPPUNIT_ASSERT(hex.awaitOutput("waiting for notifications", 5000));
        newMail("63");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output(), 0, json.wait(10000));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(hex.output(), 0, hex.wait(10000));
        CPPUNIT_ASSERT_MESSAGE(json.output(), contains(json.output(), "\"handle\":1"));
        // RopId 0x2A, handle 1 (little-endian), LogonId 0, NotificationFlags
        // 0x8002 (new mail, a message object; little-endian).
        CPPUNIT_ASSERT_MESSAGE(hex.output(), contains(hex.output(), "2a01000000000280"));
    }

  private:
    std::vector<std::string> consumerArgs(const std::string& format, const std::string& session = "s-text") const
    {
        return {OCS_CONSUMER_TOOL, "--state-dir", daemon_->state(),     "--mapistore", daemon_->mapistore(),
                "--user",          "alice",       "--session",          session,       "--bind",
                "SOGo:jdoe",       "--folder",    "sogo://jdoe@INBOX/", "--format",    format,
                "--count",         "1",           "--timeout",          "10"};
    }

    void newMail(const std::string& id)
    {
        ocs::producer::ClientOptions options;
        options.url = daemon_->url();
        ocs::producer::ProducerClient client(options);
        CPPUNIT_ASSERT(client.login("mta", kPassword));
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(client.newMail({"SOGo", "jdoe", "INBOX", id, {}, {}, {}, {}}, result));
        CPPUNIT_ASSERT_MESSAGE(result.status, result.queues >= 1);
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientModuleExampleTest);
