#include "store/queue_store.hpp"
#include "store/records.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace ocs;
using namespace ocs::store;

namespace {

const QueueKey kStore{"alice", 0, TableType::None};
const QueueKey kInbox{"alice", 0x0100000000000001, TableType::None};
const QueueKey kBobStore{"bob", 0, TableType::None};

// An entry told apart from its neighbours by its message id.
QueueEntry entryFor(Mid mid)
{
    QueueEntry entry;
    entry.type = EventType::NewMail;
    entry.fid = kInbox.fid;
    entry.mid = mid;
    entry.messageClass = "IPM.Note";
    entry.producer = "producer";
    entry.timeMs = 1'700'000'000'000;
    return entry;
}

std::vector<Mid> midsOf(const std::vector<QueueEntry>& entries)
{
    std::vector<Mid> mids;
    for (const QueueEntry& e : entries)
        mids.push_back(e.mid);
    return mids;
}

std::vector<std::uint64_t> sequencesOf(const std::vector<QueueEntry>& entries)
{
    std::vector<std::uint64_t> sequences;
    for (const QueueEntry& e : entries)
        sequences.push_back(e.sequence);
    return sequences;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last)
{
    std::vector<std::uint64_t> out;
    for (std::uint64_t i = first; i <= last; ++i)
        out.push_back(i);
    return out;
}

} // namespace

class QueueStoreTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(QueueStoreTest);
    CPPUNIT_TEST(testNewQueueIsEmpty);
    CPPUNIT_TEST(testQueueIsFifo);
    CPPUNIT_TEST(testSequencesAreIndependentPerQueue);
    CPPUNIT_TEST(testAppendInOneBatchNumbersInOrder);
    CPPUNIT_TEST(testReadIsBoundedByMaxAndFrom);
    CPPUNIT_TEST(testRetentionTrimsTheOldest);
    CPPUNIT_TEST(testConsumerBehindTheWindowCanTell);
    CPPUNIT_TEST(testSecondIndexingIsADuplicateWithTheSameId);
    CPPUNIT_TEST(testMessageIdsComeFromOneCounter);
    CPPUNIT_TEST(testMessageIdsAreStableAcrossReopen);
    CPPUNIT_TEST(testReplicaIdOfAllocatedIds);
    CPPUNIT_TEST(testFailingBodyLeavesNothing);
    CPPUNIT_TEST(testReadOnlyStoreRefusesWrite);
    CPPUNIT_TEST(testMessageUriReverseLookup);
    CPPUNIT_TEST(testDataPersistsAcrossReopen);
    CPPUNIT_TEST(testVisitQueuesAndMessages);
    CPPUNIT_TEST(testTotalsFollowEveryCommitOnceCounted);
    CPPUNIT_TEST(testZeroRetentionIsRefused);
    CPPUNIT_TEST(testApplyingABatchAgainChangesNothing);
    CPPUNIT_TEST(testEntriesOfOneCommitShareRecords);
    CPPUNIT_TEST(testFileIsOwnerOnly);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        store_ = open({});
    }

    void tearDown() override
    {
        store_.reset();
        directory_.reset();
    }

    void testNewQueueIsEmpty()
    {
        const QueueState s = state(kStore);
        CPPUNIT_ASSERT(s.empty());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, s.next);
        CPPUNIT_ASSERT(read(kStore, 1, 10).empty());
    }

    void testQueueIsFifo()
    {
        for (Mid mid : {Mid{30}, Mid{10}, Mid{20}}) {
            const std::uint64_t sequence = append(kStore, entryFor(mid));
            CPPUNIT_ASSERT_EQUAL(state(kStore).next - 1, sequence);
        }
        const auto entries = read(kStore, 1, 10);
        CPPUNIT_ASSERT(midsOf(entries) == (std::vector<Mid>{30, 10, 20}));
        CPPUNIT_ASSERT(sequencesOf(entries) == range(1, 3));
        const QueueState s = state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, s.next);
        // Every field comes back as appended.
        const QueueEntry& e = entries[0];
        CPPUNIT_ASSERT(e.type == EventType::NewMail);
        CPPUNIT_ASSERT_EQUAL(kInbox.fid, e.fid);
        CPPUNIT_ASSERT_EQUAL(std::string("IPM.Note"), e.messageClass);
        CPPUNIT_ASSERT_EQUAL(std::string("producer"), e.producer);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1'700'000'000'000}, e.timeMs);
    }

    void testSequencesAreIndependentPerQueue()
    {
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, append(kStore, entryFor(1)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, append(kStore, entryFor(2)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, append(kInbox, entryFor(3)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, append(kBobStore, entryFor(4)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, append(kStore, entryFor(5)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, append(kInbox, entryFor(6)));
        const QueueKey table{"alice", kInbox.fid, TableType::Contents};
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, append(table, entryFor(7))); // same folder, another table

        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1, 2, 5}));
        CPPUNIT_ASSERT(midsOf(read(kInbox, 1, 10)) == (std::vector<Mid>{3, 6}));
        CPPUNIT_ASSERT(midsOf(read(kBobStore, 1, 10)) == (std::vector<Mid>{4}));
        CPPUNIT_ASSERT(midsOf(read(table, 1, 10)) == (std::vector<Mid>{7}));
    }

    void testAppendInOneBatchNumbersInOrder()
    {
        std::vector<std::uint64_t> given;
        CPPUNIT_ASSERT(store_
                           ->write([&](Batch& batch) -> Status {
                               for (Mid mid = 1; mid <= 5; ++mid) {
                                   auto sequence = batch.append(mid % 2 ? kStore : kInbox, entryFor(mid));
                                   if (!sequence)
                                       return sequence.error();
                                   given.push_back(*sequence);
                               }
                               return {};
                           })
                           .ok());
        CPPUNIT_ASSERT(given == (std::vector<std::uint64_t>{1, 1, 2, 2, 3}));
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1, 3, 5}));
        CPPUNIT_ASSERT(midsOf(read(kInbox, 1, 10)) == (std::vector<Mid>{2, 4}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, state(kStore).next);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, state(kInbox).next);
    }

    void testReadIsBoundedByMaxAndFrom()
    {
        for (Mid mid = 1; mid <= 6; ++mid)
            append(kStore, entryFor(mid));
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 1, 2)) == range(1, 2));
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 3, 2)) == range(3, 4));
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 5, 100)) == range(5, 6));
        CPPUNIT_ASSERT(read(kStore, 7, 100).empty()); // caught up
        CPPUNIT_ASSERT(read(kStore, 1000, 100).empty());
        CPPUNIT_ASSERT(read(kStore, 1, 0).empty());
    }

    void testRetentionTrimsTheOldest()
    {
        reopen(options(3));
        for (Mid mid = 1; mid <= 3; ++mid)
            append(kStore, entryFor(mid));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, state(kStore).first);
        append(kStore, entryFor(4));
        QueueState s = state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{5}, s.next);
        append(kStore, entryFor(5));
        append(kStore, entryFor(6));
        s = state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{7}, s.next);
        const auto entries = read(kStore, s.first, 10);
        CPPUNIT_ASSERT(midsOf(entries) == (std::vector<Mid>{4, 5, 6}));
        CPPUNIT_ASSERT(sequencesOf(entries) == range(4, 6));
        // Another queue keeps its own window.
        append(kInbox, entryFor(100));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, state(kInbox).first);

        // Many at once in one batch: only the last three survive.
        CPPUNIT_ASSERT(store_
                           ->write([&](Batch& batch) -> Status {
                               for (Mid mid = 7; mid <= 16; ++mid) {
                                   if (auto appended = batch.append(kStore, entryFor(mid)); !appended)
                                       return appended.error();
                               }
                               return {};
                           })
                           .ok());
        s = state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{14}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{17}, s.next);
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 100)) == (std::vector<Mid>{14, 15, 16}));
        // One record: the run the batch appended, cut to the window.
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, keysWithPrefix('e', kStore));
    }

    void testConsumerBehindTheWindowCanTell()
    {
        reopen(options(2));
        append(kStore, entryFor(1));
        const std::uint64_t cursor = 2; // the consumer read sequence 1
        for (Mid mid = 2; mid <= 5; ++mid)
            append(kStore, entryFor(mid));
        const QueueState s = state(kStore);
        // Sequences 2 and 3 fell out before it read them: it can tell.
        CPPUNIT_ASSERT(cursor < s.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, s.first);
        // Reading from its cursor gives what is still there, from the first.
        const auto entries = read(kStore, cursor, 10);
        CPPUNIT_ASSERT(sequencesOf(entries) == range(4, 5));
        CPPUNIT_ASSERT(midsOf(entries) == (std::vector<Mid>{4, 5}));
        // A consumer that read up to sequence 3 missed nothing: its cursor is
        // the first retained sequence.
        const std::uint64_t keptUp = 4;
        CPPUNIT_ASSERT(!(keptUp < s.first));
        CPPUNIT_ASSERT(sequencesOf(read(kStore, keptUp, 10)) == range(4, 5));
    }

    void testSecondIndexingIsADuplicateWithTheSameId()
    {
        std::pair<Mid, bool> first;
        std::pair<Mid, bool> again;
        std::pair<Mid, bool> sameBatch;
        CPPUNIT_ASSERT(write([&](Batch& batch) -> Status {
            auto indexed = batch.indexMessage("alice", "sogo://jdoe@INBOX/61.eml");
            if (!indexed)
                return indexed.error();
            first = *indexed;
            auto twice = batch.indexMessage("alice", "sogo://jdoe@INBOX/61.eml");
            if (!twice)
                return twice.error();
            sameBatch = *twice;
            return {};
        }));
        CPPUNIT_ASSERT(first.second);
        CPPUNIT_ASSERT(!sameBatch.second);
        CPPUNIT_ASSERT_EQUAL(first.first, sameBatch.first);
        CPPUNIT_ASSERT(write([&](Batch& batch) -> Status {
            auto indexed = batch.indexMessage("alice", "sogo://jdoe@INBOX/61.eml");
            if (!indexed)
                return indexed.error();
            again = *indexed;
            auto found = batch.findMessage("alice", "sogo://jdoe@INBOX/61.eml");
            if (!found || *found != std::optional<Mid>(first.first))
                return makeError(ErrorCode::InternalError, {}, "findMessage disagrees");
            return {};
        }));
        CPPUNIT_ASSERT(!again.second);
        CPPUNIT_ASSERT_EQUAL(first.first, again.first);
        CPPUNIT_ASSERT(messageId("alice", "sogo://jdoe@INBOX/61.eml") == std::optional<Mid>(first.first));
        // The same URI is another message for another user.
        const auto bobs = index("bob", "sogo://jdoe@INBOX/61.eml");
        CPPUNIT_ASSERT(bobs.second);
        CPPUNIT_ASSERT(bobs.first != first.first);
    }

    void testMessageIdsComeFromOneCounter()
    {
        CPPUNIT_ASSERT_EQUAL(makeMapiId(1, 1), index("alice", "sogo://a/1.eml").first);
        CPPUNIT_ASSERT_EQUAL(makeMapiId(2, 1), index("alice", "sogo://a/2.eml").first);
        CPPUNIT_ASSERT_EQUAL(makeMapiId(3, 1), index("bob", "sogo://b/1.eml").first);
        CPPUNIT_ASSERT_EQUAL(makeMapiId(2, 1), index("alice", "sogo://a/2.eml").first); // no new id
        CPPUNIT_ASSERT_EQUAL(makeMapiId(4, 1), index("alice", "sogo://a/3.eml").first);
        // Several in one batch continue the count.
        std::vector<Mid> mids;
        CPPUNIT_ASSERT(write([&](Batch& batch) -> Status {
            for (const char* uri : {"sogo://a/4.eml", "sogo://a/5.eml"}) {
                auto indexed = batch.indexMessage("alice", uri);
                if (!indexed)
                    return indexed.error();
                mids.push_back(indexed->first);
            }
            return {};
        }));
        CPPUNIT_ASSERT(mids == (std::vector<Mid>{makeMapiId(5, 1), makeMapiId(6, 1)}));
    }

    void testMessageIdsAreStableAcrossReopen()
    {
        const Mid first = index("alice", "sogo://a/1.eml").first;
        const Mid second = index("alice", "sogo://a/2.eml").first;
        reopen({});
        CPPUNIT_ASSERT(messageId("alice", "sogo://a/1.eml") == std::optional<Mid>(first));
        const auto again = index("alice", "sogo://a/2.eml");
        CPPUNIT_ASSERT(!again.second);
        CPPUNIT_ASSERT_EQUAL(second, again.first);
        // The counter survived too: no id is given twice.
        CPPUNIT_ASSERT_EQUAL(makeMapiId(3, 1), index("alice", "sogo://a/3.eml").first);
    }

    void testReplicaIdOfAllocatedIds()
    {
        QueueStoreOptions o;
        o.replicaId = 0x1234;
        reopen(o);
        const Mid mid = index("alice", "sogo://a/1.eml").first;
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x1234}, replicaIdOf(mid));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, globalCounterOf(mid));
    }

    void testFailingBodyLeavesNothing()
    {
        append(kStore, entryFor(1));
        const Status failed = store_->write([&](Batch& batch) -> Status {
            if (auto indexed = batch.indexMessage("alice", "sogo://a/1.eml"); !indexed)
                return indexed.error();
            if (auto appended = batch.append(kStore, entryFor(2)); !appended)
                return appended.error();
            if (auto appended = batch.append(kInbox, entryFor(3)); !appended)
                return appended.error();
            return makeError(ErrorCode::InvalidParameter, "why", "the body gives up");
        });
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::InvalidParameter); // the body's own error
        CPPUNIT_ASSERT_EQUAL(std::string("why"), failed.error().field);

        CPPUNIT_ASSERT(!messageId("alice", "sogo://a/1.eml"));
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, state(kStore).next);
        CPPUNIT_ASSERT(state(kInbox).empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, keysWithPrefix('q', kInbox));
        // The next batch numbers and allocates as if the failed one never ran.
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, append(kStore, entryFor(4)));
        CPPUNIT_ASSERT_EQUAL(makeMapiId(1, 1), index("alice", "sogo://a/1.eml").first);
    }

    void testReadOnlyStoreRefusesWrite()
    {
        append(kStore, entryFor(1));
        const Mid mid = index("alice", "sogo://a/1.eml").first;
        QueueStoreOptions readOnly;
        readOnly.access = Access::ReadOnly;
        reopen(readOnly);

        bool bodyRan = false;
        const Status refused = store_->write([&](Batch& batch) -> Status {
            bodyRan = true;
            auto appended = batch.append(kStore, entryFor(2));
            return appended ? Status() : Status(appended.error());
        });
        CPPUNIT_ASSERT(!refused.ok());
        CPPUNIT_ASSERT(!refused.error().detail.empty());
        CPPUNIT_ASSERT(!bodyRan);
        // Reads work.
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1}));
        CPPUNIT_ASSERT(messageId("alice", "sogo://a/1.eml") == std::optional<Mid>(mid));

        // Read-only never creates the file.
        store_.reset();
        auto missing = QueueStore::open(directory_->path() / "missing", readOnly);
        CPPUNIT_ASSERT(!missing.ok());
    }

    void testMessageUriReverseLookup()
    {
        const Mid a = index("alice", "sogo://jdoe@INBOX/61.eml").first;
        const Mid b = index("alice", "sogo://jdoe@INBOX/62.eml").first;
        CPPUNIT_ASSERT(messageUri("alice", a) == std::optional<std::string>("sogo://jdoe@INBOX/61.eml"));
        CPPUNIT_ASSERT(messageUri("alice", b) == std::optional<std::string>("sogo://jdoe@INBOX/62.eml"));
        CPPUNIT_ASSERT(!messageUri("bob", a));
        CPPUNIT_ASSERT(!messageUri("alice", makeMapiId(99, 1)));
        CPPUNIT_ASSERT(!messageId("alice", "sogo://jdoe@INBOX/63.eml"));
    }

    void testDataPersistsAcrossReopen()
    {
        for (Mid mid = 1; mid <= 3; ++mid)
            append(kStore, entryFor(mid));
        append(kInbox, entryFor(9));
        const Mid mid = index("alice", "sogo://a/1.eml").first;
        reopen({});
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1, 2, 3}));
        CPPUNIT_ASSERT(midsOf(read(kInbox, 1, 10)) == (std::vector<Mid>{9}));
        CPPUNIT_ASSERT(messageUri("alice", mid) == std::optional<std::string>("sogo://a/1.eml"));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, append(kStore, entryFor(4))); // numbering goes on
    }

    void testVisitQueuesAndMessages()
    {
        append(kStore, entryFor(1));
        append(kStore, entryFor(2));
        append(kBobStore, entryFor(3));
        const Mid a = index("alice", "sogo://a/1.eml").first;
        const Mid b = index("bob", "sogo://b/1.eml").first;

        std::map<QueueKey, std::pair<std::uint64_t, std::uint64_t>> queues;
        CPPUNIT_ASSERT(
            store_->visitQueues([&](const QueueKey& queue, const QueueState& s) {
                      queues[queue] = {s.first, s.next};
                  })
                .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, queues.size());
        CPPUNIT_ASSERT((queues[kStore] == std::pair<std::uint64_t, std::uint64_t>{1, 3}));
        CPPUNIT_ASSERT((queues[kBobStore] == std::pair<std::uint64_t, std::uint64_t>{1, 2}));

        std::map<std::pair<std::string, std::string>, Mid> messages;
        CPPUNIT_ASSERT(store_
                           ->visitMessages([&](const std::string& user, const std::string& uri, Mid mid) {
                               messages[{user, uri}] = mid;
                           })
                           .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, messages.size());
        CPPUNIT_ASSERT_EQUAL(a, (messages[{"alice", "sogo://a/1.eml"}]));
        CPPUNIT_ASSERT_EQUAL(b, (messages[{"bob", "sogo://b/1.eml"}]));
    }

    void testTotalsFollowEveryCommitOnceCounted()
    {
        reopen(options(3));
        append(kStore, entryFor(1));
        append(kStore, entryFor(2));
        CPPUNIT_ASSERT(!store_->totals()); // not counted yet
        CPPUNIT_ASSERT(store_->countQueues().ok());
        assertTotals(1, 2);

        append(kStore, entryFor(3));
        append(kStore, entryFor(4)); // the window holds 3: one dropped
        append(kInbox, entryFor(5));
        write([](Batch& batch) -> Status {
            for (Mid mid : {Mid{6}, Mid{7}}) {
                if (auto appended = batch.append(kBobStore, entryFor(mid)); !appended)
                    return appended.error();
            }
            return {};
        });
        assertTotals(3, 3 + 1 + 2);

        // A failed commit changes nothing.
        CPPUNIT_ASSERT(!store_->write([](Batch& batch) -> Status {
                                 (void)batch.append(kInbox, entryFor(8));
                                 return makeError(ErrorCode::InternalError, {}, "cancelled");
                             })
                            .ok());
        assertTotals(3, 6);

        // A smaller window after a restart: the next append trims to it.
        reopen(options(1));
        CPPUNIT_ASSERT(store_->countQueues().ok());
        assertTotals(3, 6);
        append(kStore, entryFor(9));
        assertTotals(3, 1 + 1 + 2);
    }

    void testZeroRetentionIsRefused()
    {
        store_.reset();
        auto opened = QueueStore::open(directory_->path(), options(0));
        CPPUNIT_ASSERT(!opened.ok());
        CPPUNIT_ASSERT(opened.error().code == ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(std::string("store.retained_entries"), opened.error().field);
    }

    // The journal's replay after a crash applies again what store.tdb may
    // already hold: the queue keeps each entry once, the index its ids.
    void testApplyingABatchAgainChangesNothing()
    {
        append(kStore, entryFor(1));
        Changes written;
        CPPUNIT_ASSERT(store_
                           ->write([&](Batch& batch) -> Status {
                               for (Mid mid = 2; mid <= 5; ++mid) {
                                   if (auto appended = batch.append(kStore, entryFor(mid)); !appended)
                                       return appended.error();
                               }
                               if (auto indexed = batch.indexMessage("alice", "sogo://a/7.eml"); !indexed)
                                   return indexed.error();
                               written = batch.changes();
                               return {};
                           })
                           .ok());
        const Mid mid = *messageId("alice", "sogo://a/7.eml");
        for (int time = 0; time < 2; ++time)
            CPPUNIT_ASSERT(store_->apply({&written}, std::nullopt).ok());
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 1, 100)) == range(1, 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, keysWithPrefix('e', kStore)); // entry 1, the run of 2-5
        CPPUNIT_ASSERT(messageId("alice", "sogo://a/7.eml") == std::optional<Mid>(mid));
        CPPUNIT_ASSERT(messageUri("alice", mid) == std::optional<std::string>("sogo://a/7.eml"));
    }

    // The entries one commit appends to a queue go into runs of up to
    // kMaxRun records; reading may start anywhere in a run, and trimming
    // deletes a run only once all of it fell out of the window.
    void testEntriesOfOneCommitShareRecords()
    {
        reopen(options(100));
        append(kStore, entryFor(1));
        const Mid count = 2 * kMaxRun + 5;
        CPPUNIT_ASSERT(store_
                           ->write([&](Batch& batch) -> Status {
                               for (Mid mid = 2; mid <= count + 1; ++mid) {
                                   if (auto appended = batch.append(kStore, entryFor(mid)); !appended)
                                       return appended.error();
                                   if (auto other = batch.append(kInbox, entryFor(1000 + mid)); !other)
                                       return other.error();
                               }
                               return {};
                           })
                           .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1 + 3}, keysWithPrefix('e', kStore)); // 1, then 32, 32 and 5
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 1, 1000)) == range(1, count + 1));
        for (std::uint64_t from : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{kMaxRun + 1},
                                   std::uint64_t{kMaxRun + 2}, std::uint64_t{count}, std::uint64_t{count + 1}}) {
            CPPUNIT_ASSERT(sequencesOf(read(kStore, from, 1000)) == range(from, count + 1));
            CPPUNIT_ASSERT(sequencesOf(read(kStore, from, 3)) == range(from, std::min(from + 2, count + 1)));
        }
        CPPUNIT_ASSERT(midsOf(read(kInbox, 1, 1)) == (std::vector<Mid>{1002}));

        // The window moves into the second run: the first two records go,
        // the run that still holds retained entries stays whole.
        reopen(options(count + 1 - kMaxRun - 3));
        append(kStore, entryFor(count + 2));
        const QueueState s = state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{kMaxRun + 5}, s.first);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, keysWithPrefix('e', kStore)); // the second run, the third, the new one
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 1, 1000)) == range(kMaxRun + 5, count + 2));
    }

    void testFileIsOwnerOnly()
    {
        struct stat file {};
        CPPUNIT_ASSERT_EQUAL(0, ::stat((directory_->path() / "store.tdb").c_str(), &file));
        CPPUNIT_ASSERT_EQUAL(0600, static_cast<int>(file.st_mode & 0777));
    }

  private:
    // The running totals, and what a fresh walk of the file finds.
    void assertTotals(std::uint64_t queues, std::uint64_t entries)
    {
        const auto totals = store_->totals();
        CPPUNIT_ASSERT(totals.has_value());
        CPPUNIT_ASSERT_EQUAL(queues, totals->queues);
        CPPUNIT_ASSERT_EQUAL(entries, totals->entries);
        QueueStore::Totals walked;
        CPPUNIT_ASSERT(store_->visitQueues([&](const QueueKey&, const QueueState& s) {
                                 ++walked.queues;
                                 walked.entries += s.next - s.first;
                             })
                           .ok());
        CPPUNIT_ASSERT_EQUAL(queues, walked.queues);
        CPPUNIT_ASSERT_EQUAL(entries, walked.entries);
    }

    static QueueStoreOptions options(std::uint64_t retained)
    {
        QueueStoreOptions o;
        o.retainedEntries = retained;
        return o;
    }

    std::unique_ptr<QueueStore> open(QueueStoreOptions o)
    {
        lastOptions_ = o;
        auto opened = QueueStore::open(directory_->path(), o);
        CPPUNIT_ASSERT_MESSAGE(opened ? "" : opened.error().detail, opened.ok());
        return std::move(*opened);
    }

    // tdb refuses a second open of one file in one process: close first.
    void reopen(QueueStoreOptions o)
    {
        store_.reset();
        store_ = open(o);
    }

    bool write(const std::function<Status(Batch&)>& body)
    {
        const Status done = store_->write(body);
        CPPUNIT_ASSERT_MESSAGE(done ? "" : done.error().detail, done.ok());
        return done.ok();
    }

    std::uint64_t append(const QueueKey& queue, const QueueEntry& entry)
    {
        std::uint64_t sequence = 0;
        write([&](Batch& batch) -> Status {
            auto appended = batch.append(queue, entry);
            if (!appended)
                return appended.error();
            sequence = *appended;
            return {};
        });
        return sequence;
    }

    std::pair<Mid, bool> index(const std::string& user, const std::string& uri)
    {
        std::pair<Mid, bool> result{0, false};
        write([&](Batch& batch) -> Status {
            auto indexed = batch.indexMessage(user, uri);
            if (!indexed)
                return indexed.error();
            result = *indexed;
            return {};
        });
        return result;
    }

    QueueState state(const QueueKey& queue)
    {
        auto s = store_->state(queue);
        CPPUNIT_ASSERT(s.ok());
        return *s;
    }

    std::vector<QueueEntry> read(const QueueKey& queue, std::uint64_t from, std::size_t max)
    {
        auto entries = store_->read(queue, from, max);
        CPPUNIT_ASSERT(entries.ok());
        return *entries;
    }

    std::optional<Mid> messageId(const std::string& user, const std::string& uri)
    {
        auto found = store_->messageId(user, uri);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    std::optional<std::string> messageUri(const std::string& user, Mid mid)
    {
        auto found = store_->messageUri(user, mid);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    // Records of the queue in the file: 'q' its state, 'e' its entries.
    std::size_t keysWithPrefix(char kind, const QueueKey& queue)
    {
        const QueueStoreOptions reopenWith = lastOptions_;
        store_.reset();
        std::string prefix = keys::queue(queue);
        if (kind == 'e')
            prefix = "e" + prefix.substr(1) + keys::kSeparator;
        std::size_t count = 0;
        {
            auto file = openStateFile(directory_->path(), "store.tdb", Access::ReadOnly, 0);
            CPPUNIT_ASSERT(file.ok());
            CPPUNIT_ASSERT(file->traverse([&](std::string_view key, std::string_view) {
                                   if (kind == 'q' ? key == prefix : key.substr(0, prefix.size()) == prefix)
                                       ++count;
                                   return true;
                               })
                               .ok());
        }
        store_ = open(reopenWith);
        return count;
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<QueueStore> store_;
    QueueStoreOptions lastOptions_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(QueueStoreTest);
