#include "store/records.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <functional>
#include <string>
#include <vector>

using namespace ocs;
using namespace ocs::store;

namespace {

QueueEntry fullEntry()
{
    QueueEntry e;
    e.sequence = 0x0102030405060708;
    e.type = EventType::ObjectMoved;
    e.kind = ObjectKind::Message;
    e.fid = 0x1100000000000001;
    e.parentFid = 0x2200000000000001;
    e.mid = 0x3300000000000001;
    e.oldFid = 0x4400000000000001;
    e.oldMid = 0x5500000000000001;
    e.oldParentFid = 0x6600000000000001;
    e.messageFlags = 0x01;
    e.totalCount = 0xFFFFFFFF;
    e.unreadCount = 0;
    e.messageClass = "IPM.Note";
    e.producer = "sogo-producer";
    e.timeMs = 1'700'000'000'123;
    return e;
}

// Whether a decoder accepts the record, ignoring what it decoded.
using Accepts = std::function<bool(std::string_view)>;

const std::string kKey = keys::entry(QueueKey{"alice", 7, TableType::None}, 3);

} // namespace

class StoreRecordsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StoreRecordsTest);
    CPPUNIT_TEST(testBindingsRoundTrip);
    CPPUNIT_TEST(testSubscriptionsRoundTrip);
    CPPUNIT_TEST(testNumberRoundTrips);
    CPPUNIT_TEST(testQueueStateRoundTrips);
    CPPUNIT_TEST(testEntryRoundTrips);
    CPPUNIT_TEST(testEntryWithoutOptionalFieldsRoundTrips);
    CPPUNIT_TEST(testRunRoundTripsAndARunOfOneIsAnEntry);
    CPPUNIT_TEST(testBrokenRunIsRejected);
    CPPUNIT_TEST(testRecordsStartWithVersionOne);
    CPPUNIT_TEST(testEveryTruncationIsRejected);
    CPPUNIT_TEST(testTrailingByteIsRejected);
    CPPUNIT_TEST(testVersionTwoIsRejected);
    CPPUNIT_TEST(testOutOfRangeFieldsAreRejected);
    CPPUNIT_TEST(testImpossibleQueueStateIsRejected);
    CPPUNIT_TEST(testDecodeErrorIsInternalAndNamesTheKey);
    CPPUNIT_TEST(testKeysHaveTheirLayout);
    CPPUNIT_TEST(testKeysOfDifferentRecordsNeverCollide);
    CPPUNIT_TEST(testParseQueueInvertsQueueAndEntryKeys);
    CPPUNIT_TEST(testParseQueueRejectsOtherKeys);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testBindingsRoundTrip()
    {
        for (const std::vector<BindingHolder>& holders :
             {std::vector<BindingHolder>{}, std::vector<BindingHolder>{{"alice", 1}},
              std::vector<BindingHolder>{{"alice", 3}, {"", 0xFFFFFFFF}, {"b\xC3\xA9la", 2}}}) {
            auto decoded = decodeBindings(encodeBindings(holders), "k");
            CPPUNIT_ASSERT(decoded.ok());
            CPPUNIT_ASSERT_EQUAL(holders.size(), decoded->size());
            for (std::size_t i = 0; i < holders.size(); ++i) {
                CPPUNIT_ASSERT_EQUAL(holders[i].user, (*decoded)[i].user);
                CPPUNIT_ASSERT_EQUAL(holders[i].references, (*decoded)[i].references);
            }
        }
    }

    void testSubscriptionsRoundTrip()
    {
        const std::vector<Subscription> list{
            {"session-1", 1, fnev::NewMail, 0, 0, TableType::None},
            {"session-1", 0xFFFFFFFF, 0xFFFF, 0x0100000000000001, 0x0200000000000001, TableType::AssociatedContents},
            {"session-2", 5, fnev::TableModified, 0x0300000000000001, 0, TableType::Hierarchy},
            {"", 0, 0, 0, 0, TableType::Contents},
        };
        auto decoded = decodeSubscriptions(encodeSubscriptions(list), "k");
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT_EQUAL(list.size(), decoded->size());
        for (std::size_t i = 0; i < list.size(); ++i)
            CPPUNIT_ASSERT(list[i] == (*decoded)[i]);
        auto none = decodeSubscriptions(encodeSubscriptions({}), "k");
        CPPUNIT_ASSERT(none.ok() && none->empty());
    }

    void testNumberRoundTrips()
    {
        for (std::uint64_t value : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x0102030405060708},
                                    std::uint64_t{0xFFFFFFFFFFFFFFFF}}) {
            auto decoded = decodeNumber(encodeNumber(value), "k");
            CPPUNIT_ASSERT(decoded.ok());
            CPPUNIT_ASSERT_EQUAL(value, *decoded);
        }
    }

    void testQueueStateRoundTrips()
    {
        for (const QueueState& state : {QueueState{}, QueueState{1, 2}, QueueState{5, 10}, QueueState{7, 7}}) {
            auto decoded = decodeQueueState(encodeQueueState(state), "k");
            CPPUNIT_ASSERT(decoded.ok());
            CPPUNIT_ASSERT_EQUAL(state.first, decoded->first);
            CPPUNIT_ASSERT_EQUAL(state.next, decoded->next);
        }
    }

    void testEntryRoundTrips()
    {
        for (EventType type : {EventType::NewMail, EventType::ObjectCreated, EventType::ObjectModified,
                               EventType::ObjectDeleted, EventType::ObjectMoved, EventType::ObjectCopied}) {
            for (ObjectKind kind : {ObjectKind::Message, ObjectKind::Folder}) {
                QueueEntry entry = fullEntry();
                entry.type = type;
                entry.kind = kind;
                auto decoded = decodeEntry(encodeEntry(entry), kKey);
                CPPUNIT_ASSERT(decoded.ok());
                CPPUNIT_ASSERT(entry == *decoded);
            }
        }
        QueueEntry past = fullEntry();
        past.timeMs = -1; // before 1970: the sign survives
        auto decoded = decodeEntry(encodeEntry(past), kKey);
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{-1}, decoded->timeMs);
    }

    void testEntryWithoutOptionalFieldsRoundTrips()
    {
        QueueEntry entry;
        auto decoded = decodeEntry(encodeEntry(entry), kKey);
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT(entry == *decoded);
        CPPUNIT_ASSERT(!decoded->messageFlags && !decoded->totalCount && !decoded->unreadCount);

        // Absent and present-with-zero stay different.
        entry.totalCount = 0;
        decoded = decodeEntry(encodeEntry(entry), kKey);
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT(decoded->totalCount.has_value() && *decoded->totalCount == 0);
        CPPUNIT_ASSERT(!decoded->unreadCount);
    }

    void testRunRoundTripsAndARunOfOneIsAnEntry()
    {
        std::vector<QueueEntry> run;
        for (std::uint64_t sequence = 5; sequence < 5 + kMaxRun; ++sequence) {
            QueueEntry entry = fullEntry();
            entry.sequence = sequence;
            entry.messageClass = std::string(sequence % 7, 'c');
            run.push_back(entry);
            auto decoded = decodeRun(encodeRun(run), kKey);
            CPPUNIT_ASSERT(decoded.ok());
            CPPUNIT_ASSERT(*decoded == run);
        }
        // The record of one entry reads as a run of one, and back.
        const std::string one = encodeEntry(run.front());
        CPPUNIT_ASSERT_EQUAL(one, encodeRun({run.front()}));
        auto single = decodeRun(one, kKey);
        CPPUNIT_ASSERT(single.ok() && single->size() == 1 && single->front() == run.front());
    }

    void testBrokenRunIsRejected()
    {
        QueueEntry first = fullEntry();
        first.sequence = 7;
        QueueEntry next = first;
        next.sequence = 8;
        QueueEntry past = first;
        past.sequence = 9;
        CPPUNIT_ASSERT(!decodeRun(encodeRun({first, past}), kKey).ok()); // a gap
        CPPUNIT_ASSERT(!decodeRun(encodeRun({next, first}), kKey).ok()); // backwards
        CPPUNIT_ASSERT(!decodeRun("", kKey).ok());                       // empty
        const std::string run = encodeRun({first, next});
        for (std::size_t length = 0; length < run.size(); ++length) {
            if (length == encodeEntry(first).size())
                continue; // the first entry alone is a run
            CPPUNIT_ASSERT(!decodeRun(std::string_view(run).substr(0, length), kKey).ok());
        }
        auto failed = decodeRun(run + '\x01', kKey);
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::InternalError);
    }

    void testRecordsStartWithVersionOne()
    {
        for (const std::string& record : allRecords())
            CPPUNIT_ASSERT_EQUAL('\x01', record.at(0));
        // Integers are big-endian after the version byte.
        CPPUNIT_ASSERT(encodeNumber(0x0102030405060708) == std::string("\x01\x01\x02\x03\x04\x05\x06\x07\x08", 9));
        CPPUNIT_ASSERT(encodeBindings({{"ab", 2}}) == std::string("\x01"
                                                                  "\x00\x00\x00\x01"
                                                                  "\x00\x00\x00\x02"
                                                                  "ab"
                                                                  "\x00\x00\x00\x02",
                                                                  15));
    }

    void testEveryTruncationIsRejected()
    {
        const auto records = allRecords();
        const auto decoders = allDecoders();
        for (std::size_t r = 0; r < records.size(); ++r) {
            CPPUNIT_ASSERT(decoders[r](records[r]));
            for (std::size_t length = 0; length < records[r].size(); ++length) {
                CPPUNIT_ASSERT_MESSAGE("record " + std::to_string(r) + " cut at " + std::to_string(length),
                                       !decoders[r](std::string_view(records[r]).substr(0, length)));
            }
        }
    }

    void testTrailingByteIsRejected()
    {
        const auto records = allRecords();
        const auto decoders = allDecoders();
        for (std::size_t r = 0; r < records.size(); ++r) {
            for (char extra : {'\0', '\x01', 'x'})
                CPPUNIT_ASSERT_MESSAGE("record " + std::to_string(r), !decoders[r](records[r] + extra));
        }
    }

    void testVersionTwoIsRejected()
    {
        const auto records = allRecords();
        const auto decoders = allDecoders();
        for (std::size_t r = 0; r < records.size(); ++r) {
            for (char version : {'\x00', '\x02', '\xFF'}) {
                std::string changed = records[r];
                changed[0] = version;
                CPPUNIT_ASSERT_MESSAGE("record " + std::to_string(r), !decoders[r](changed));
            }
        }
    }

    void testOutOfRangeFieldsAreRejected()
    {
        // Entry: version, sequence (8), then the type and kind bytes.
        const std::string entry = encodeEntry(fullEntry());
        std::string badType = entry;
        badType[9] = static_cast<char>(static_cast<int>(EventType::ObjectCopied) + 1);
        CPPUNIT_ASSERT(!decodeEntry(badType, kKey).ok());
        std::string badKind = entry;
        badKind[10] = '\x02';
        CPPUNIT_ASSERT(!decodeEntry(badKind, kKey).ok());
        // The presence byte of messageFlags follows the six ids.
        std::string badPresence = entry;
        const std::size_t presence = 1 + 8 + 1 + 1 + 6 * 8;
        CPPUNIT_ASSERT_EQUAL('\x01', badPresence[presence]);
        badPresence[presence] = '\x02';
        CPPUNIT_ASSERT(!decodeEntry(badPresence, kKey).ok());

        // Subscription: the table type is the last byte.
        std::string subscriptions = encodeSubscriptions({{"s", 1, fnev::NewMail, 0, 0, TableType::AssociatedContents}});
        subscriptions.back() = '\x04';
        CPPUNIT_ASSERT(!decodeSubscriptions(subscriptions, "k").ok());
    }

    void testImpossibleQueueStateIsRejected()
    {
        CPPUNIT_ASSERT(!decodeQueueState(encodeQueueState(QueueState{5, 4}), "k").ok()); // first after next
        CPPUNIT_ASSERT(!decodeQueueState(encodeQueueState(QueueState{0, 0}), "k").ok()); // sequences start at 1
    }

    void testDecodeErrorIsInternalAndNamesTheKey()
    {
        auto failed = decodeEntry("\x02", kKey);
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(failed.error().field.empty());
        // The key is in the detail, its separators made printable.
        CPPUNIT_ASSERT(failed.error().detail.find("e/alice/0000000000000007/0/0000000000000003") != std::string::npos);
        CPPUNIT_ASSERT(failed.error().detail.find(keys::kSeparator) == std::string::npos);

        for (const auto& decode : allDecoders())
            CPPUNIT_ASSERT(!decode(""));
        CPPUNIT_ASSERT(decodeBindings("", "x").error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(decodeSubscriptions("", "x").error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(decodeNumber("", "x").error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(decodeQueueState("", "x").error().code == ErrorCode::InternalError);
    }

    void testKeysHaveTheirLayout()
    {
        const std::string us(1, keys::kSeparator);
        const QueueKey queue{"alice", 0x0100000000000001, TableType::Contents};
        CPPUNIT_ASSERT_EQUAL("b" + us + "SOGo" + us + "jdoe", keys::binding("SOGo", "jdoe"));
        CPPUNIT_ASSERT_EQUAL("f" + us + "alice" + us + "sogo://jdoe@INBOX/",
                             keys::folderByUri("alice", "sogo://jdoe@INBOX/"));
        CPPUNIT_ASSERT_EQUAL("F" + us + "alice" + us + "00000000000000ff", keys::folderById("alice", 0xFF));
        CPPUNIT_ASSERT_EQUAL("s" + us + "alice", keys::subscriptions("alice"));
        CPPUNIT_ASSERT_EQUAL("c" + us + "sess" + us + "alice" + us + "0100000000000001" + us + "2",
                             keys::cursor("sess", queue));
        CPPUNIT_ASSERT_EQUAL("m" + us + "alice" + us + "sogo://x", keys::messageByUri("alice", "sogo://x"));
        CPPUNIT_ASSERT_EQUAL("M" + us + "alice" + us + "ffffffffffffffff", keys::messageById("alice", ~Mid{0}));
        CPPUNIT_ASSERT_EQUAL(std::string("counter"), keys::counter());
        CPPUNIT_ASSERT_EQUAL("q" + us + "alice" + us + "0100000000000001" + us + "2", keys::queue(queue));
        CPPUNIT_ASSERT_EQUAL("e" + us + "alice" + us + "0100000000000001" + us + "2" + us + "000000000000000a",
                             keys::entry(queue, 10));
        // Hex numbers of fixed width: entries of a queue sort by sequence.
        CPPUNIT_ASSERT(keys::entry(queue, 9) < keys::entry(queue, 10));
        CPPUNIT_ASSERT(keys::entry(queue, 0xFF) < keys::entry(queue, 0x100));
    }

    void testKeysOfDifferentRecordsNeverCollide()
    {
        const QueueKey queue{"alice", 1, TableType::None};
        const std::vector<std::string> all{keys::binding("alice", "x"),
                                           keys::folderByUri("alice", "x"),
                                           keys::folderById("alice", 1),
                                           keys::subscriptions("alice"),
                                           keys::cursor("alice", queue),
                                           keys::messageByUri("alice", "x"),
                                           keys::messageById("alice", 1),
                                           keys::counter(),
                                           keys::queue(queue),
                                           keys::entry(queue, 1)};
        for (std::size_t i = 0; i < all.size(); ++i) {
            for (std::size_t j = i + 1; j < all.size(); ++j)
                CPPUNIT_ASSERT(all[i] != all[j]);
        }
        // One user's queue and another's differ even where one name prefixes the other.
        CPPUNIT_ASSERT(keys::queue({"al", 1, TableType::None}) != keys::queue({"alice", 1, TableType::None}));
    }

    void testParseQueueInvertsQueueAndEntryKeys()
    {
        for (const QueueKey& queue :
             {QueueKey{"alice", 0, TableType::None}, QueueKey{"bob", 0x0100000000000001, TableType::Hierarchy},
              QueueKey{"b\xC3\xA9la@example.org", 0xFFFFFFFFFFFFFFFF, TableType::Contents},
              QueueKey{"", 0x42, TableType::AssociatedContents}}) {
            QueueKey parsed{"junk", 99, TableType::Hierarchy};
            CPPUNIT_ASSERT(keys::parseQueue(keys::queue(queue), parsed));
            CPPUNIT_ASSERT(parsed == queue);
            QueueKey fromEntry;
            CPPUNIT_ASSERT(keys::parseQueue(keys::entry(queue, 0x1234), fromEntry));
            CPPUNIT_ASSERT(fromEntry == queue);
        }
    }

    void testParseQueueRejectsOtherKeys()
    {
        const std::string us(1, keys::kSeparator);
        const QueueKey queue{"alice", 1, TableType::None};
        QueueKey out;
        for (const std::string& key :
             {std::string(), std::string("q"), "q" + us, "q" + us + "alice", keys::subscriptions("alice"),
              keys::cursor("s", queue), keys::binding("SOGo", "jdoe"), keys::counter(),
              keys::messageByUri("alice", "x"), "q" + us + "alice" + us + "0000000000000001" + us + "4",
              "q" + us + "alice" + us + "0000000000000001" + us, "q" + us + "alice" + us + "0000000000000001x2",
              "x" + us + "alice" + us + "0000000000000001" + us + "0"}) {
            CPPUNIT_ASSERT_MESSAGE("accepted a key it should not", !keys::parseQueue(key, out));
        }
    }

  private:
    static std::vector<std::string> allRecords()
    {
        QueueEntry withoutOptionals = fullEntry();
        withoutOptionals.messageFlags.reset();
        withoutOptionals.totalCount.reset();
        withoutOptionals.unreadCount.reset();
        return {
            encodeBindings({{"alice", 2}, {"bob", 1}}),
            encodeBindings({}),
            encodeSubscriptions({{"session-1", 3, fnev::NewMail, 0x0100000000000001, 0, TableType::Contents},
                                 {"session-2", 4, fnev::ObjectCreated, 0, 0x0200000000000001, TableType::None}}),
            encodeSubscriptions({}),
            encodeNumber(42),
            encodeQueueState(QueueState{3, 9}),
            encodeEntry(fullEntry()),
            encodeEntry(withoutOptionals),
        };
    }

    // One decoder per record of allRecords(), in order.
    static std::vector<Accepts> allDecoders()
    {
        const Accepts bindings = [](std::string_view r) { return decodeBindings(r, "k").ok(); };
        const Accepts subscriptions = [](std::string_view r) { return decodeSubscriptions(r, "k").ok(); };
        return {
            bindings,
            bindings,
            subscriptions,
            subscriptions,
            [](std::string_view r) { return decodeNumber(r, "k").ok(); },
            [](std::string_view r) { return decodeQueueState(r, "k").ok(); },
            [](std::string_view r) { return decodeEntry(r, kKey).ok(); },
            [](std::string_view r) { return decodeEntry(r, kKey).ok(); },
        };
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StoreRecordsTest);
