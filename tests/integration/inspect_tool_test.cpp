// ocsmanager-inspect on a state directory built with the stores themselves:
// bindings, folder map, message index, subscriptions, queues (one of them
// trimmed past a session's cursor) and one queue's entries, in columns and
// as JSON. The stores stay open read-write while the tool runs, as the
// daemon and the client module would be.
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace ocs::store;

namespace {

const std::string kUser = "jdoe";
const Fid kInbox = 0x0000000000010001;
const Fid kQuoted = 0x0000000000020001;
const Fid kArchive = 0x0000000000030001;
const QueueKey kInboxQueue{kUser, kInbox, TableType::None};
const QueueKey kContentsQueue{kUser, kInbox, TableType::Contents};
const QueueKey kAliceStoreQueue{"alice", 0, TableType::None};
const std::int64_t kTimeMs = 1700000000123; // 2023-11-14T22:13:20.123Z

struct Run {
    int status = -1;
    std::string output; // stdout and stderr
};

Run inspect(const std::vector<std::string>& args)
{
    std::vector<std::string> argv = {OCS_INSPECT_TOOL};
    argv.insert(argv.end(), args.begin(), args.end());
    Run run;
    run.status = ocs::test::runProgram(argv, "", &run.output);
    return run;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

void check(const ocs::Status& status)
{
    CPPUNIT_ASSERT_MESSAGE(status ? "" : status.error().detail, status.ok());
}

QueueEntry newMail(const std::string& uri, std::int64_t offsetMs)
{
    QueueEntry entry;
    entry.type = ocs::EventType::NewMail;
    entry.fid = kInbox;
    entry.messageUri = uri;
    entry.messageClass = "IPM.Note";
    entry.producer = "delivery";
    entry.timeMs = kTimeMs + offsetMs;
    return entry;
}

QueueEntry folderMoved()
{
    QueueEntry entry;
    entry.type = ocs::EventType::ObjectMoved;
    entry.kind = ObjectKind::Folder;
    entry.fid = kArchive;
    entry.parentFid = kInbox;
    entry.oldFid = kQuoted;
    entry.totalCount = 12;
    entry.unreadCount = 3;
    entry.messageFlags = 0x21;
    entry.producer = "sogo";
    entry.timeMs = kTimeMs;
    return entry;
}

} // namespace

class InspectToolTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(InspectToolTest);
    CPPUNIT_TEST(testBindingsListEveryUserWithItsReferences);
    CPPUNIT_TEST(testFoldersShowHexIdsAndJsonEscapesUris);
    CPPUNIT_TEST(testControlCharactersAndBadUtf8AreEscaped);
    CPPUNIT_TEST(testWindowShowsItsGenerations);
    CPPUNIT_TEST(testSubscriptionsDecodeTheirFlags);
    CPPUNIT_TEST(testQueuesShowCursorsAndFlagMissedEvents);
    CPPUNIT_TEST(testQueuesAsJson);
    CPPUNIT_TEST(testDumpShowsTheEntriesOfOneQueue);
    CPPUNIT_TEST(testDumpFromAndLimitSelectEntries);
    CPPUNIT_TEST(testDumpAsJson);
    CPPUNIT_TEST(testUserArgumentSelectsOneUser);
    CPPUNIT_TEST(testUnknownCommandIsAUsageError);
    CPPUNIT_TEST(testBadDumpArgumentsAreUsageErrors);
    CPPUNIT_TEST(testMissingStateDirectoryFails);
    CPPUNIT_TEST(testMissingFilesAreSaidAndNotCreated);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        dir_ = std::make_unique<ocs::test::TempDir>();
        state_ = dir_->path() + "/state";
        buildRegistry();
        buildStore();
    }

    void tearDown() override
    {
        store_.reset();
        registry_.reset();
        dir_.reset();
    }

    void testBindingsListEveryUserWithItsReferences()
    {
        const Run human = inspect({"--state-dir", state_, "bindings"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(std::string("BACKEND  BACKEND-USER  USER   REFERENCES\n"
                                         "SOGo     alice         alice  1\n"
                                         "SOGo     jdoe          jdoe   2\n"
                                         "SOGo     jdoe          alice  1\n"),
                             human.output);

        const Run json = inspect({"--state-dir", state_, "bindings", "--json"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string("[\n"
                        "  {\"backend\": \"SOGo\", \"backendUser\": \"alice\", \"users\": [{\"user\": \"alice\", "
                        "\"references\": 1}]},\n"
                        "  {\"backend\": \"SOGo\", \"backendUser\": \"jdoe\", \"users\": [{\"user\": \"jdoe\", "
                        "\"references\": 2}, {\"user\": \"alice\", \"references\": 1}]}\n"
                        "]\n"),
            json.output);
    }

    void testFoldersShowHexIdsAndJsonEscapesUris()
    {
        const Run human = inspect({"--state-dir", state_, "folders"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(std::string("USER   FID                 URI\n"
                                         "alice  0x0000000000010001  sogo://alice@inbox/\n"
                                         "jdoe   0x0000000000010001  sogo://jdoe@inbox/\n"
                                         "jdoe   0x0000000000020001  sogo://jdoe@say \"hi\"\\now/\n"),
                             human.output);

        const Run json = inspect({"--state-dir", state_, "--json", "folders", kUser});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string("[\n"
                        "  {\"user\": \"jdoe\", \"fid\": \"0x0000000000010001\", \"uri\": \"sogo://jdoe@inbox/\"},\n"
                        "  {\"user\": \"jdoe\", \"fid\": \"0x0000000000020001\", "
                        "\"uri\": \"sogo://jdoe@say \\\"hi\\\"\\\\now/\"}\n"
                        "]\n"),
            json.output);
    }

    void testControlCharactersAndBadUtf8AreEscaped()
    {
        check(registry_->mapFolder("bob", "sogo://bob@a\tb\x01/\xc3\xa9\xff", 0x40001));
        const Run human = inspect({"--state-dir", state_, "folders", "bob"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(std::string("USER  FID                 URI\n"
                                         "bob   0x0000000000040001  sogo://bob@a\\x09b\\x01/\xc3\xa9\xff\n"),
                             human.output);

        const Run json = inspect({"--state-dir", state_, "folders", "bob", "--json"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_EQUAL(std::string("[\n"
                                         "  {\"user\": \"bob\", \"fid\": \"0x0000000000040001\", "
                                         "\"uri\": \"sogo://bob@a\\u0009b\\u0001/\xc3\xa9\\ufffd\"}\n"
                                         "]\n"),
                             json.output);
    }

    void testWindowShowsItsGenerations()
    {
        const Run human = inspect({"--state-dir", state_, "window"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_MESSAGE(human.output, human.output.rfind("GENERATION  FIRST", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(human.output, contains(human.output, "\n1           "));
        CPPUNIT_ASSERT_MESSAGE(human.output,
                               human.output.size() > 2 && human.output.substr(human.output.size() - 3) == " 2\n");

        const Run json = inspect({"--state-dir", state_, "window", "--json"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_MESSAGE(json.output, contains(json.output, "{\"generation\": 1, \"first\": \""));
        CPPUNIT_ASSERT_MESSAGE(json.output, contains(json.output, "Z\", \"messages\": 2}"));
    }

    void testSubscriptionsDecodeTheirFlags()
    {
        const Run human = inspect({"--state-dir", state_, "subscriptions"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string("USER  SESSION  HANDLE  FLAGS   EVENTS                 FID                 MID  TABLE     "
                        "MESSAGE-URI\n"
                        "jdoe  s1       7       0x0006  NewMail,ObjectCreated  0x0000000000010001  -    none      -\n"
                        "jdoe  s2       9       0x0180  TableModified,0x0080   0x0000000000010001  -    contents  -\n"),
            human.output);

        const Run json = inspect({"--state-dir", state_, "subscriptions", "--json"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT(contains(json.output, "{\"user\": \"jdoe\", \"session\": \"s1\", \"handle\": 7, \"flags\": 6, "
                                             "\"flagNames\": [\"NewMail\", \"ObjectCreated\"], \"fid\": "
                                             "\"0x0000000000010001\", \"mid\": \"0x0000000000000000\", "
                                             "\"messageUri\": \"\", \"table\": \"none\"}"));
    }

    void testQueuesShowCursorsAndFlagMissedEvents()
    {
        const Run human = inspect({"--state-dir", state_, "queues"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "USER   FID                 TABLE     DEPTH  FIRST  LAST  SESSION  CURSOR  BEHIND  NOTE\n"
                "alice  0x0000000000000000  none      1      1      1     -        -       -       -\n"
                "jdoe   0x0000000000010001  none      2      1      2     s1       2       1       -\n"
                "jdoe   0x0000000000010001  contents  3      3      5     s2       1       5       missed events\n"
                "jdoe   0x0000000000020001  none      0      1      -     s3       1       0       -\n"),
            human.output);
    }

    void testQueuesAsJson()
    {
        const Run json = inspect({"--state-dir", state_, "queues", "--json", kUser});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "[\n"
                "  {\"user\": \"jdoe\", \"fid\": \"0x0000000000010001\", \"table\": \"none\", \"depth\": 2, "
                "\"first\": 1, \"last\": 2, \"next\": 3, \"cursors\": [{\"session\": \"s1\", \"next\": 2, "
                "\"behind\": 1, \"missedEvents\": false}]},\n"
                "  {\"user\": \"jdoe\", \"fid\": \"0x0000000000010001\", \"table\": \"contents\", \"depth\": 3, "
                "\"first\": 3, \"last\": 5, \"next\": 6, \"cursors\": [{\"session\": \"s2\", \"next\": 1, "
                "\"behind\": 5, \"missedEvents\": true}]},\n"
                "  {\"user\": \"jdoe\", \"fid\": \"0x0000000000020001\", \"table\": \"none\", \"depth\": 0, "
                "\"first\": 1, \"last\": null, \"next\": 1, \"cursors\": [{\"session\": \"s3\", \"next\": 1, "
                "\"behind\": 0, \"missedEvents\": false}]}\n"
                "]\n"),
            json.output);
    }

    void testDumpShowsTheEntriesOfOneQueue()
    {
        const Run human = inspect({"--state-dir", state_, "dump", "alice", "0", "none"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(human.output, 0, human.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "SEQ  TIME                      TYPE         KIND    FID                 PARENT-FID          "
                "OLD-FID             OLD-PARENT  MESSAGE-URI  OLD-MESSAGE-URI  FLAGS       TOTAL  UNREAD  CLASS  "
                "PRODUCER\n"
                "1    2023-11-14T22:13:20.123Z  ObjectMoved  folder  0x0000000000030001  0x0000000000010001  "
                "0x0000000000020001  -           -            -                0x00000021  12     3       -      "
                "sogo\n"),
            human.output);

        const Run contents = inspect({"--state-dir", state_, "dump", kUser, "0x10001", "contents"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(contents.output, 0, contents.status);
        CPPUNIT_ASSERT(
            contains(contents.output, "\n3    2023-11-14T22:13:20.125Z  NewMail  message  0x0000000000010001"));
        CPPUNIT_ASSERT(contains(contents.output, "\n5    2023-11-14T22:13:20.127Z  NewMail  message"));
        CPPUNIT_ASSERT(!contains(contents.output, "\n2 "));
    }

    void testDumpFromAndLimitSelectEntries()
    {
        const Run run =
            inspect({"--state-dir", state_, "dump", kUser, "65537", "contents", "--from", "4", "--limit", "1"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(run.output, 0, run.status);
        CPPUNIT_ASSERT(contains(run.output, "\n4    2023-11-14T22:13:20.126Z  NewMail"));
        CPPUNIT_ASSERT(!contains(run.output, "\n3 "));
        CPPUNIT_ASSERT(!contains(run.output, "\n5 "));

        // From before the retained window: said, and the window is shown.
        const Run early = inspect({"--state-dir", state_, "dump", kUser, "0x10001", "contents", "--from", "1"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(early.output, 0, early.status);
        CPPUNIT_ASSERT(contains(early.output, "entries before sequence 3 are no longer retained"));
        CPPUNIT_ASSERT(contains(early.output, "\n3    2023-11-14T22:13:20.125Z"));
    }

    void testDumpAsJson()
    {
        const Run json = inspect({"--state-dir", state_, "--json", "dump", kUser, "0x0000000000010001", "none"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.output, 0, json.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string("[\n"
                        "  {\"sequence\": 1, \"time\": \"2023-11-14T22:13:20.123Z\", \"type\": \"NewMail\", \"kind\": "
                        "\"message\", \"fid\": \"0x0000000000010001\", \"parentFid\": \"0x0000000000000000\", "
                        "\"oldFid\": \"0x0000000000000000\", \"oldParentFid\": \"0x0000000000000000\", "
                        "\"messageUri\": \"sogo://jdoe@inbox/61.eml\", \"oldMessageUri\": \"\", \"messageFlags\": "
                        "null, \"totalCount\": null, \"unreadCount\": null, "
                        "\"messageClass\": \"IPM.Note\", \"producer\": \"delivery\"},\n"
                        "  {\"sequence\": 2, \"time\": \"2023-11-14T22:13:20.124Z\", \"type\": \"NewMail\", \"kind\": "
                        "\"message\", \"fid\": \"0x0000000000010001\", \"parentFid\": \"0x0000000000000000\", "
                        "\"oldFid\": \"0x0000000000000000\", \"oldParentFid\": \"0x0000000000000000\", "
                        "\"messageUri\": \"sogo://jdoe@inbox/\\\"62\\\".eml\", \"oldMessageUri\": \"\", "
                        "\"messageFlags\": null, \"totalCount\": null, \"unreadCount\": null, "
                        "\"messageClass\": \"IPM.Note\", \"producer\": \"delivery\"}\n"
                        "]\n"),
            json.output);

        const Run folder = inspect({"--state-dir", state_, "--json", "dump", "alice", "0", "none"});
        CPPUNIT_ASSERT(contains(folder.output, "\"messageFlags\": 33, \"totalCount\": 12, \"unreadCount\": 3, "
                                               "\"messageClass\": \"\", \"producer\": \"sogo\""));
    }

    void testUserArgumentSelectsOneUser()
    {
        for (const char* command : {"folders", "subscriptions", "queues"}) {
            const Run run = inspect({"--state-dir", state_, command, "alice"});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(run.output, 0, run.status);
            CPPUNIT_ASSERT_MESSAGE(run.output, !contains(run.output, "jdoe"));
        }
        const Run nobody = inspect({"--state-dir", state_, "queues", "--json", "nobody"});
        CPPUNIT_ASSERT_EQUAL(std::string("[]\n"), nobody.output);
    }

    void testUnknownCommandIsAUsageError()
    {
        const Run run = inspect({"--state-dir", state_, "frobnicate"});
        CPPUNIT_ASSERT_EQUAL(2, run.status);
        CPPUNIT_ASSERT_EQUAL(std::string("ocsmanager-inspect: unknown command \"frobnicate\" (see --help)\n"),
                             run.output);
        CPPUNIT_ASSERT_EQUAL(2, inspect({}).status);
        CPPUNIT_ASSERT_EQUAL(2, inspect({"--state-dir", state_, "bindings", "extra"}).status);
        CPPUNIT_ASSERT_EQUAL(2, inspect({"--state-dir", state_, "queues", "--from", "2"}).status);
        CPPUNIT_ASSERT_EQUAL(2, inspect({"--state-dir", state_, "--config", "x.ini", "queues"}).status);
    }

    void testBadDumpArgumentsAreUsageErrors()
    {
        const Run fid = inspect({"--state-dir", state_, "dump", kUser, "0xnothex", "none"});
        CPPUNIT_ASSERT_EQUAL(2, fid.status);
        CPPUNIT_ASSERT(contains(fid.output, "FID: expected hex with 0x or a decimal number, got \"0xnothex\""));
        const Run table = inspect({"--state-dir", state_, "dump", kUser, "1", "calendar"});
        CPPUNIT_ASSERT_EQUAL(2, table.status);
        CPPUNIT_ASSERT(contains(table.output, "TABLE: expected none, hierarchy, contents or associated"));
        const Run missing = inspect({"--state-dir", state_, "dump", kUser, "1"});
        CPPUNIT_ASSERT_EQUAL(2, missing.status);
        CPPUNIT_ASSERT_EQUAL(std::string("ocsmanager-inspect: dump takes USER FID TABLE (see --help)\n"),
                             missing.output);
        CPPUNIT_ASSERT_EQUAL(2, inspect({"--state-dir", state_, "dump", kUser, "1", "none", "--limit", "0"}).status);
    }

    void testMissingStateDirectoryFails()
    {
        const std::string missing = dir_->path() + "/nowhere";
        const Run run = inspect({"--state-dir", missing, "queues"});
        CPPUNIT_ASSERT_EQUAL(1, run.status);
        CPPUNIT_ASSERT_EQUAL("ocsmanager-inspect: state directory " + missing + " does not exist\n", run.output);
        CPPUNIT_ASSERT(!std::filesystem::exists(missing));
    }

    void testMissingFilesAreSaidAndNotCreated()
    {
        const std::string empty = dir_->path() + "/empty";
        std::filesystem::create_directory(empty);
        const Run bindings = inspect({"--state-dir", empty, "bindings"});
        CPPUNIT_ASSERT_EQUAL(0, bindings.status);
        CPPUNIT_ASSERT(contains(bindings.output,
                                "no registry yet: nothing has registered (" + empty + "/registry.tdb does not exist)"));
        const Run dump = inspect({"--state-dir", empty, "dump", kUser, "1", "none"});
        CPPUNIT_ASSERT_EQUAL(0, dump.status);
        CPPUNIT_ASSERT(
            contains(dump.output, "no store yet: no event has been recorded (" + empty + "/store.tdb does not exist)"));
        CPPUNIT_ASSERT(std::filesystem::is_empty(empty));
    }

  private:
    void buildRegistry()
    {
        auto registry = Registry::open(state_);
        CPPUNIT_ASSERT_MESSAGE(registry ? "" : registry.error().detail, registry.ok());
        registry_ = std::move(*registry);
        check(registry_->bind(kUser, "SOGo", "jdoe"));
        check(registry_->bind(kUser, "SOGo", "jdoe"));
        check(registry_->bind("alice", "SOGo", "jdoe"));
        check(registry_->bind("alice", "SOGo", "alice"));
        check(registry_->mapFolder(kUser, "sogo://jdoe@inbox/", kInbox));
        check(registry_->mapFolder(kUser, "sogo://jdoe@say \"hi\"\\now/", kQuoted));
        check(registry_->mapFolder("alice", "sogo://alice@inbox/", kInbox));
        check(registry_->subscribe(kUser,
                                   {"s1", 7, fnev::NewMail | fnev::ObjectCreated, kInbox, 0, TableType::None, {}}));
        check(registry_->subscribe(kUser, {"s2", 9, fnev::TableModified | 0x0080, kInbox, 0, TableType::Contents, {}}));
        check(registry_->setCursor("s1", kInboxQueue, 2));
        check(registry_->setCursor("s2", kContentsQueue, 1));
        // A session on a queue that has never had an entry.
        check(registry_->setCursor("s3", QueueKey{kUser, kQuoted, TableType::None}, 1));
    }

    void buildStore()
    {
        QueueStoreOptions options;
        options.sync = false;
        options.retainedEntries = 3;
        auto store = QueueStore::open(state_, options);
        CPPUNIT_ASSERT_MESSAGE(store ? "" : store.error().detail, store.ok());
        store_ = std::move(*store);
        check(store_->write([](Batch& batch) -> ocs::Status {
            const std::vector<std::string> uris{"sogo://jdoe@inbox/61.eml", "sogo://jdoe@inbox/\"62\".eml"};
            for (const std::string& uri : uris)
                batch.firstSighting(uri);
            for (std::size_t i = 0; i < uris.size(); ++i) {
                if (auto appended = batch.append(kInboxQueue, newMail(uris[i], static_cast<std::int64_t>(i)));
                    !appended)
                    return appended.error();
            }
            // Five entries in a window of three: 1 and 2 are dropped.
            for (std::int64_t i = 0; i < 5; ++i) {
                if (auto appended = batch.append(kContentsQueue, newMail(uris[0], i)); !appended)
                    return appended.error();
            }
            if (auto appended = batch.append(kAliceStoreQueue, folderMoved()); !appended)
                return appended.error();
            return {};
        }));
    }

    std::unique_ptr<ocs::test::TempDir> dir_;
    std::string state_;
    std::unique_ptr<Registry> registry_;
    std::unique_ptr<QueueStore> store_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(InspectToolTest);
