#include "store/journal.hpp"
#include "store/queue_store.hpp"
#include "store/queue_writer.hpp"
#include "store/records.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ocs;
using namespace ocs::store;

namespace {

const QueueKey kStore{"alice", 0, TableType::None};

QueueEntry newMail(const std::string& uri)
{
    QueueEntry entry;
    entry.messageUri = uri;
    entry.producer = "producer";
    return entry;
}

// Queues the message on kStore unless the duplicate window has it.
Status deliver(Batch& batch, const std::string& uri)
{
    if (!batch.firstSighting(uri))
        return {};
    auto appended = batch.append(kStore, newMail(uri));
    return appended ? Status() : Status(appended.error());
}

} // namespace

class QueueWriterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(QueueWriterTest);
    CPPUNIT_TEST(testWrittenBatchIsInTheStoreAfterFlush);
    CPPUNIT_TEST(testBatchesSeeWhatIsNotAppliedYet);
    CPPUNIT_TEST(testVisibleCallbackRunsOnceTheStoreHasTheBatch);
    CPPUNIT_TEST(testJournalNotAppliedIsAppliedOnOpen);
    CPPUNIT_TEST(testRetentionHoldsAcrossApplies);
    CPPUNIT_TEST(testFailingBodyWritesNothing);
    CPPUNIT_TEST(testStateSurvivesReopen);
    CPPUNIT_TEST(testPausedApplierTakesAFullTransactionAtOnce);
    CPPUNIT_TEST(testCallbacksOfOneTransactionRunTogether);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        openAll();
    }

    void tearDown() override
    {
        closeAll();
        directory_.reset();
    }

    void testWrittenBatchIsInTheStoreAfterFlush()
    {
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/1.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        auto entries = store_->read(kStore, 1, 10);
        CPPUNIT_ASSERT(entries.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://a/1.eml"), entries->front().messageUri);
    }

    void testBatchesSeeWhatIsNotAppliedYet()
    {
        // Written back to back, most of these are read before store.tdb has
        // the earlier ones: duplicates and sequences must not care.
        for (int i = 0; i < 500; ++i) {
            CPPUNIT_ASSERT(writer_
                               ->write([&](Batch& batch) -> Status {
                                   if (Status s = deliver(batch, "sogo://a/" + std::to_string(i) + ".eml"); !s)
                                       return s;
                                   return deliver(batch, "sogo://a/" + std::to_string(i / 2) + ".eml");
                               })
                               .ok());
        }
        CPPUNIT_ASSERT(writer_->flush().ok());
        auto entries = store_->read(kStore, 1, 1000);
        CPPUNIT_ASSERT_EQUAL(std::size_t{500}, entries->size());
        for (std::size_t i = 0; i < entries->size(); ++i) {
            CPPUNIT_ASSERT_EQUAL(std::uint64_t{i + 1}, (*entries)[i].sequence);
            CPPUNIT_ASSERT_EQUAL("sogo://a/" + std::to_string(i) + ".eml", (*entries)[i].messageUri);
        }
    }

    void testVisibleCallbackRunsOnceTheStoreHasTheBatch()
    {
        std::atomic<int> seen{-1};
        CPPUNIT_ASSERT(writer_
                           ->write([&](Batch& batch) -> Status {
                               batch.whenVisible([&] {
                                   auto state = store_->state(kStore);
                                   seen = state ? static_cast<int>(state->next) : 0;
                               });
                               return deliver(batch, "sogo://a/1.eml");
                           })
                           .ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        CPPUNIT_ASSERT_EQUAL(2, seen.load());
    }

    void testJournalNotAppliedIsAppliedOnOpen()
    {
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/1.eml"); }).ok());
        closeAll();
        // What a crash leaves: a batch in the journal that store.tdb never took.
        {
            QueueStoreOptions options;
            auto store = QueueStore::open(directory_->path(), options);
            CPPUNIT_ASSERT(store.ok());
            auto position = (*store)->journalPosition();
            CPPUNIT_ASSERT(position.ok() && *position); // the writer applied and closed cleanly before
            auto journal = Journal::open(directory_->path(), true);
            CPPUNIT_ASSERT(journal.ok());
            CPPUNIT_ASSERT(
                (*journal)->replay(**position, [](std::string_view, JournalPosition) { return Status(); }).ok());
            Changes changes;
            changes.generation = 1;
            changes.seenMs = 1'700'000'000'000;
            changes.seen.push_back(messageDigest("sogo://a/7.eml"));
            QueueEntry entry = newMail("sogo://a/7.eml");
            entry.sequence = 2;
            changes.entries.emplace_back(kStore, entry);
            changes.queues[kStore] = QueueState{1, 3};
            CPPUNIT_ASSERT((*journal)->append(encodeChanges(changes)).ok());
            CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, (*store)->state(kStore)->next);
        }
        openAll();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, writer_->stats().replayedRecords);
        auto entries = store_->read(kStore, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://a/7.eml"), entries->back().messageUri);
        // The writer goes on from there: the next message is sequence 3, and
        // the replayed one is in the duplicate window.
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/8.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/7.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        entries = store_->read(kStore, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://a/8.eml"), entries->back().messageUri);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, entries->back().sequence);
        // Applied once only: reopening replays nothing more.
        closeAll();
        openAll();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0}, writer_->stats().replayedRecords);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, store_->read(kStore, 1, 10)->size());
    }

    void testRetentionHoldsAcrossApplies()
    {
        closeAll();
        openAll(5);
        for (int i = 0; i < 12; ++i)
            CPPUNIT_ASSERT(writer_->write([&](Batch& b) { return deliver(b, "u" + std::to_string(i)); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        const QueueState state = *store_->state(kStore);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{8}, state.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{13}, state.next);
        auto entries = store_->read(kStore, 1, 100);
        CPPUNIT_ASSERT_EQUAL(std::size_t{5}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{8}, entries->front().sequence);
        // Nothing older is left behind in the file.
        std::size_t records = 0;
        CPPUNIT_ASSERT(store_->visitQueues([&](const QueueKey&, const QueueState&) { ++records; }).ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, records);
        for (std::uint64_t old = 1; old < 8; ++old)
            CPPUNIT_ASSERT(store_->read(kStore, old, 1)->front().sequence == 8);
    }

    void testFailingBodyWritesNothing()
    {
        Status failed = writer_->write([](Batch& batch) -> Status {
            if (Status s = deliver(batch, "sogo://a/1.eml"); !s)
                return s;
            return makeError(ErrorCode::InternalError, {}, "refused");
        });
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/2.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        auto entries = store_->read(kStore, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://a/2.eml"), entries->front().messageUri);
        // The failed batch left nothing in the duplicate window either.
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/1.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, store_->read(kStore, 1, 10)->size());
    }

    void testStateSurvivesReopen()
    {
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/1.eml"); }).ok());
        closeAll();
        openAll();
        // Known after reopening: a duplicate, and the sequence goes on.
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/1.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "sogo://a/2.eml"); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        auto entries = store_->read(kStore, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://a/2.eml"), entries->back().messageUri);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, entries->back().sequence);
    }

    void testPausedApplierTakesAFullTransactionAtOnce()
    {
        closeAll();
        QueueWriterOptions options;
        options.maxApplyPause = std::chrono::hours(1);
        options.maxEventsPerApply = 10;
        openAll(1000, options);
        // The first batch after a quiet spell is applied at once; its
        // transaction, callbacks included, takes a second: so does the pause.
        CPPUNIT_ASSERT(writer_
                           ->write([](Batch& batch) {
                               batch.whenVisible([] { std::this_thread::sleep_for(std::chrono::seconds(1)); });
                               return deliver(batch, "m0");
                           })
                           .ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        // Within the pause a batch waits...
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "m1"); }).ok());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, store_->state(kStore)->next);
        // ...until a transaction's worth (10 events: 2 per message) is waiting.
        for (int i = 2; i <= 5; ++i)
            CPPUNIT_ASSERT(writer_->write([&](Batch& b) { return deliver(b, "m" + std::to_string(i)); }).ok());
        CPPUNIT_ASSERT(writer_->flush().ok());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{7}, store_->state(kStore)->next);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, writer_->stats().applies);
        // Stopping applies what waits.
        CPPUNIT_ASSERT(writer_->write([](Batch& batch) { return deliver(batch, "m6"); }).ok());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{7}, store_->state(kStore)->next);
        writer_.reset();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{8}, store_->state(kStore)->next);
    }

    void testCallbacksOfOneTransactionRunTogether()
    {
        closeAll();
        std::vector<std::size_t> runs; // callbacks handed over, per transaction
        int called = 0;
        QueueWriterOptions options;
        options.maxApplyPause = std::chrono::hours(1);
        options.maxEventsPerApply = 6;
        options.runCallbacks = [&](const std::vector<std::function<void()>>& callbacks) {
            runs.push_back(callbacks.size());
            for (const auto& callback : callbacks)
                callback();
        };
        openAll(1000, options);
        for (int i = 0; i < 4; ++i) {
            CPPUNIT_ASSERT(writer_
                               ->write([&](Batch& batch) {
                                   batch.whenVisible([&, i] {
                                       ++called;
                                       // The first transaction takes a second, so the pause after it does too.
                                       if (i == 0)
                                           std::this_thread::sleep_for(std::chrono::seconds(1));
                                   });
                                   return deliver(batch, "m" + std::to_string(i));
                               })
                               .ok());
            if (i == 0)
                CPPUNIT_ASSERT(writer_->flush().ok());
        }
        CPPUNIT_ASSERT(writer_->flush().ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, runs.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, runs[0]);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, runs[1]);
        CPPUNIT_ASSERT_EQUAL(4, called);
    }

  private:
    void openAll(std::uint64_t retained = 1000, QueueWriterOptions writerOptions = {})
    {
        QueueStoreOptions options;
        options.sync = false;
        options.retainedEntries = retained;
        auto store = QueueStore::open(directory_->path(), options);
        CPPUNIT_ASSERT(store.ok());
        store_ = std::move(*store);
        auto writer = QueueWriter::open(*store_, directory_->path(), std::move(writerOptions));
        CPPUNIT_ASSERT_MESSAGE(writer ? "" : writer.error().detail, writer.ok());
        writer_ = std::move(*writer);
    }

    void closeAll()
    {
        writer_.reset();
        store_.reset();
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<QueueStore> store_;
    std::unique_ptr<QueueWriter> writer_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(QueueWriterTest);
