#include "store/queue_store.hpp"
#include "store/records.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <filesystem>
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

// An entry told apart from its neighbours by a number in its message URI.
QueueEntry entryFor(Mid mid)
{
    QueueEntry entry;
    entry.type = EventType::NewMail;
    entry.fid = kInbox.fid;
    entry.messageUri = std::to_string(mid);
    entry.messageClass = "IPM.Note";
    entry.producer = "producer";
    entry.timeMs = 1'700'000'000'000;
    return entry;
}

std::vector<Mid> midsOf(const std::vector<QueueEntry>& entries)
{
    std::vector<Mid> mids;
    for (const QueueEntry& e : entries)
        mids.push_back(std::stoull(e.messageUri));
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
    CPPUNIT_TEST(testSecondSightingIsADuplicate);
    CPPUNIT_TEST(testDuplicateWindowSurvivesReopen);
    CPPUNIT_TEST(testNewFileRecordsItsFormat);
    CPPUNIT_TEST(testFormatOneIsRefusedWithAdvice);
    CPPUNIT_TEST(testFormatOneIsMigratedToUris);
    CPPUNIT_TEST(testLaterFormatIsRefused);
    CPPUNIT_TEST(testFailingBodyLeavesNothing);
    CPPUNIT_TEST(testReadOnlyStoreRefusesWrite);
    CPPUNIT_TEST(testDataPersistsAcrossReopen);
    CPPUNIT_TEST(testVisitQueuesAndGenerations);
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

    void testSecondSightingIsADuplicate()
    {
        bool first = false, sameBatch = true, again = true, other = false;
        CPPUNIT_ASSERT(write([&](Batch& batch) -> Status {
            first = batch.firstSighting("sogo://jdoe@INBOX/61.eml");
            sameBatch = batch.firstSighting("sogo://jdoe@INBOX/61.eml");
            return {};
        }));
        CPPUNIT_ASSERT(first);
        CPPUNIT_ASSERT(!sameBatch);
        CPPUNIT_ASSERT(write([&](Batch& batch) -> Status {
            again = batch.firstSighting("sogo://jdoe@INBOX/61.eml");
            other = batch.firstSighting("sogo://jdoe@INBOX/62.eml");
            return {};
        }));
        CPPUNIT_ASSERT(!again);
        CPPUNIT_ASSERT(other);
    }

    void testDuplicateWindowSurvivesReopen()
    {
        CPPUNIT_ASSERT(sighted("sogo://a/1.eml"));
        CPPUNIT_ASSERT(sighted("sogo://a/2.eml"));
        reopen({});
        CPPUNIT_ASSERT(!sighted("sogo://a/1.eml"));
        CPPUNIT_ASSERT(!sighted("sogo://a/2.eml"));
        CPPUNIT_ASSERT(sighted("sogo://a/3.eml"));
        std::size_t digests = 0;
        CPPUNIT_ASSERT(store_->visitGenerations([&](Generation g) { digests += g.digests.size(); }).ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, digests);
    }

    void testNewFileRecordsItsFormat()
    {
        auto format = rawRecord(keys::format());
        CPPUNIT_ASSERT(format);
        CPPUNIT_ASSERT_EQUAL(kStoreFormat, *decodeNumber(*format, keys::format()));
    }

    void testFormatOneIsRefusedWithAdvice()
    {
        writeFormatOne();
        auto refused = QueueStore::open(directory_->path(), {});
        CPPUNIT_ASSERT(!refused.ok());
        CPPUNIT_ASSERT(refused.error().detail.find("format 1") != std::string::npos);
        CPPUNIT_ASSERT(refused.error().detail.find("ocsmanagerd") != std::string::npos);
    }

    void testFormatOneIsMigratedToUris()
    {
        writeFormatOne();
        QueueStoreOptions o;
        o.openFormat1 = true;
        auto opened = QueueStore::open(directory_->path(), o);
        CPPUNIT_ASSERT(opened.ok());
        store_ = std::move(*opened);
        lastOptions_ = o;
        CPPUNIT_ASSERT(store_->isFormat1());
        CPPUNIT_ASSERT(store_->migrateFormat1().ok());
        CPPUNIT_ASSERT(!store_->isFormat1());
        const auto entries = read(kInbox, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), entries[0].messageUri);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, state(kInbox).next);
        // The daemon's message index and counter are gone; the format is recorded.
        CPPUNIT_ASSERT(!rawRecord("counter"));
        CPPUNIT_ASSERT(
            !rawRecord(std::string("M") + keys::kSeparator + "alice" + keys::kSeparator + "0100000000000001"));
        CPPUNIT_ASSERT(rawRecord(keys::format()));
        reopen({}); // opens as the current format now
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, append(kInbox, entryFor(5)));
    }

    void testLaterFormatIsRefused()
    {
        store_.reset();
        {
            auto file = openStateFile(directory_->path(), "store.tdb", Access::ReadWrite, 0);
            CPPUNIT_ASSERT(file.ok());
            CPPUNIT_ASSERT(
                file->store(keys::format(), encodeNumber(kStoreFormat + 1), TdbFile::StoreMode::Replace).ok());
        }
        auto refused = QueueStore::open(directory_->path(), {});
        CPPUNIT_ASSERT(!refused.ok());
        CPPUNIT_ASSERT(refused.error().detail.find("later version") != std::string::npos);
    }

    void testFailingBodyLeavesNothing()
    {
        append(kStore, entryFor(1));
        const Status failed = store_->write([&](Batch& batch) -> Status {
            batch.firstSighting("sogo://a/1.eml");
            if (auto appended = batch.append(kStore, entryFor(2)); !appended)
                return appended.error();
            if (auto appended = batch.append(kInbox, entryFor(3)); !appended)
                return appended.error();
            return makeError(ErrorCode::InvalidParameter, "why", "the body gives up");
        });
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::InvalidParameter); // the body's own error
        CPPUNIT_ASSERT_EQUAL(std::string("why"), failed.error().field);

        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, state(kStore).next);
        CPPUNIT_ASSERT(state(kInbox).empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, keysWithPrefix('q', kInbox));
        // The next batch numbers and sees messages as if the failed one never ran.
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, append(kStore, entryFor(4)));
        CPPUNIT_ASSERT(sighted("sogo://a/1.eml"));
    }

    void testReadOnlyStoreRefusesWrite()
    {
        append(kStore, entryFor(1));
        CPPUNIT_ASSERT(sighted("sogo://a/1.eml"));
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
        std::size_t generations = 0;
        CPPUNIT_ASSERT(store_->visitGenerations([&](Generation) { ++generations; }).ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, generations);

        // Read-only never creates the file.
        store_.reset();
        auto missing = QueueStore::open(directory_->path() / "missing", readOnly);
        CPPUNIT_ASSERT(!missing.ok());
    }

    void testDataPersistsAcrossReopen()
    {
        for (Mid mid = 1; mid <= 3; ++mid)
            append(kStore, entryFor(mid));
        append(kInbox, entryFor(9));
        reopen({});
        CPPUNIT_ASSERT(midsOf(read(kStore, 1, 10)) == (std::vector<Mid>{1, 2, 3}));
        CPPUNIT_ASSERT(midsOf(read(kInbox, 1, 10)) == (std::vector<Mid>{9}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{4}, append(kStore, entryFor(4))); // numbering goes on
    }

    void testVisitQueuesAndGenerations()
    {
        append(kStore, entryFor(1));
        append(kStore, entryFor(2));
        append(kBobStore, entryFor(3));
        CPPUNIT_ASSERT(sighted("sogo://a/1.eml"));
        CPPUNIT_ASSERT(sighted("sogo://b/1.eml"));

        std::map<QueueKey, std::pair<std::uint64_t, std::uint64_t>> queues;
        CPPUNIT_ASSERT(
            store_->visitQueues([&](const QueueKey& queue, const QueueState& s) {
                      queues[queue] = {s.first, s.next};
                  })
                .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, queues.size());
        CPPUNIT_ASSERT((queues[kStore] == std::pair<std::uint64_t, std::uint64_t>{1, 3}));
        CPPUNIT_ASSERT((queues[kBobStore] == std::pair<std::uint64_t, std::uint64_t>{1, 2}));

        std::set<std::uint64_t> digests;
        CPPUNIT_ASSERT(
            store_->visitGenerations([&](Generation g) { digests.insert(g.digests.begin(), g.digests.end()); }).ok());
        CPPUNIT_ASSERT(
            (digests == std::set<std::uint64_t>{messageDigest("sogo://a/1.eml"), messageDigest("sogo://b/1.eml")}));
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
        CPPUNIT_ASSERT(!store_
                            ->write([](Batch& batch) -> Status {
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
                               batch.firstSighting("sogo://a/7.eml");
                               written = batch.changes();
                               return {};
                           })
                           .ok());
        for (int time = 0; time < 2; ++time)
            CPPUNIT_ASSERT(store_->apply({&written}, std::nullopt).ok());
        CPPUNIT_ASSERT(sequencesOf(read(kStore, 1, 100)) == range(1, 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, keysWithPrefix('e', kStore)); // entry 1, the run of 2-5
        reopen({});
        CPPUNIT_ASSERT(!sighted("sogo://a/7.eml"));
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
        CPPUNIT_ASSERT(store_
                           ->visitQueues([&](const QueueKey&, const QueueState& s) {
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

    // Whether the URI was new to the duplicate window (it is in it now).
    bool sighted(const std::string& uri)
    {
        bool fresh = false;
        write([&](Batch& batch) -> Status {
            fresh = batch.firstSighting(uri);
            return {};
        });
        return fresh;
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

    // A record of store.tdb as the file holds it (the store closed meanwhile).
    std::optional<std::string> rawRecord(const std::string& key)
    {
        const QueueStoreOptions reopenWith = lastOptions_;
        store_.reset();
        std::optional<std::string> out;
        {
            auto file = openStateFile(directory_->path(), "store.tdb", Access::ReadOnly, 0);
            CPPUNIT_ASSERT(file.ok());
            auto record = file->fetch(key);
            CPPUNIT_ASSERT(record.ok());
            out = *record;
        }
        store_ = open(reopenWith);
        return out;
    }

    // A store.tdb as a daemon before 0.2.0 left it: an entry of alice's
    // INBOX queue with the MID its message index gave the message.
    void writeFormatOne()
    {
        store_.reset();
        std::filesystem::remove(directory_->path() / "store.tdb");
        auto file = openStateFile(directory_->path(), "store.tdb", Access::ReadWrite, 0);
        CPPUNIT_ASSERT(file.ok());
        const std::string us(1, keys::kSeparator);
        std::string entry("\x01", 1);
        auto u64 = [&](std::uint64_t v) {
            for (int i = 7; i >= 0; --i)
                entry += static_cast<char>((v >> (8 * i)) & 0xff);
        };
        u64(1);
        entry += std::string("\0\0", 2); // NewMail, message
        for (std::uint64_t id :
             {kInbox.fid, std::uint64_t{0}, std::uint64_t{0x0100000000000001}, std::uint64_t{0}, std::uint64_t{0}})
            u64(id);
        entry += std::string(15, '\0');
        entry += std::string("\0\0\0\x08IPM.Note\0\0\0\x01p", 17);
        u64(1'700'000'000'000);
        for (auto [key, value] : std::initializer_list<std::pair<std::string, std::string>>{
                 {keys::entry(kInbox, 1), entry},
                 {keys::queue(kInbox), encodeQueueState({1, 2})},
                 {"M" + us + "alice" + us + "0100000000000001", "sogo://jdoe@INBOX/61.eml"},
                 {"m" + us + "alice" + us + "sogo://jdoe@INBOX/61.eml", encodeNumber(0x0100000000000001)},
                 {"counter", encodeNumber(2)}})
            CPPUNIT_ASSERT(file->store(key, value, TdbFile::StoreMode::Replace).ok());
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
