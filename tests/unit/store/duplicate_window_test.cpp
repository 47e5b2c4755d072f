#include "store/duplicate_window.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <chrono>

using namespace ocs::store;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr std::int64_t kHour = 3'600'000;

// Runs one batch of `digests` through the window at `nowMs`, as a writer
// does: begin, then commit once durable. Returns the turn.
DuplicateWindow::Turn add(DuplicateWindow& window, std::vector<std::uint64_t> digests, std::int64_t nowMs)
{
    const DuplicateWindow::Turn turn = window.begin(nowMs);
    window.commit(turn, digests, nowMs);
    return turn;
}

} // namespace

class DuplicateWindowTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DuplicateWindowTest);
    CPPUNIT_TEST(testDigestIsStableAndTellsUrisApart);
    CPPUNIT_TEST(testCommittedMessagesAreInTheWindow);
    CPPUNIT_TEST(testBatchThatNeverCommittedLeavesNothing);
    CPPUNIT_TEST(testMessagesLeaveAfterTheDuration);
    CPPUNIT_TEST(testOldestLeaveFirstBeyondTheMessageBound);
    CPPUNIT_TEST(testExpiredGenerationsAreDeletedUntilACommitTookThem);
    CPPUNIT_TEST(testGenerationsEndWhenFullOrOld);
    CPPUNIT_TEST(testLoadedGenerationsRestoreTheWindow);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testDigestIsStableAndTellsUrisApart()
    {
        // The first 8 bytes of SHA-256("abc") (FIPS 180-2), big-endian.
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xba7816bf8f01cfea}, messageDigest("abc"));
        CPPUNIT_ASSERT(messageDigest("sogo://jdoe@INBOX/61.eml") != messageDigest("sogo://jdoe@INBOX/62.eml"));
    }

    void testCommittedMessagesAreInTheWindow()
    {
        DuplicateWindow window;
        CPPUNIT_ASSERT(!window.contains(1));
        add(window, {1, 2}, kStart);
        CPPUNIT_ASSERT(window.contains(1) && window.contains(2));
        CPPUNIT_ASSERT(!window.contains(3));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, window.size());
    }

    void testBatchThatNeverCommittedLeavesNothing()
    {
        DuplicateWindow window;
        const DuplicateWindow::Turn failed = window.begin(kStart);
        const DuplicateWindow::Turn next = window.begin(kStart);
        CPPUNIT_ASSERT_EQUAL(failed.generation, next.generation); // nothing was taken
        CPPUNIT_ASSERT(!window.contains(1));
    }

    void testMessagesLeaveAfterTheDuration()
    {
        DuplicateWindow window({std::chrono::hours(1), 1000});
        add(window, {1}, kStart);
        add(window, {2}, kStart + kHour / 2);
        window.begin(kStart + kHour); // exactly an hour later: still there
        CPPUNIT_ASSERT(window.contains(1));
        window.begin(kStart + kHour + 1);
        CPPUNIT_ASSERT(!window.contains(1));
        CPPUNIT_ASSERT(window.contains(2));
        window.begin(kStart + 2 * kHour);
        CPPUNIT_ASSERT(!window.contains(2));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, window.size());
    }

    void testOldestLeaveFirstBeyondTheMessageBound()
    {
        DuplicateWindow window({std::chrono::hours(1), 1000});
        std::uint64_t digest = 1;
        // Generations of 4096: bound 1000 keeps the newest whole generation.
        for (int batch = 0; batch < 3; ++batch) {
            std::vector<std::uint64_t> digests;
            for (std::size_t i = 0; i < DuplicateWindow::kGenerationSize; ++i)
                digests.push_back(digest++);
            add(window, digests, kStart + batch);
        }
        window.begin(kStart + 3);
        CPPUNIT_ASSERT_EQUAL(DuplicateWindow::kGenerationSize, window.size());
        CPPUNIT_ASSERT(!window.contains(1));
        CPPUNIT_ASSERT(window.contains(digest - 1));
    }

    void testExpiredGenerationsAreDeletedUntilACommitTookThem()
    {
        DuplicateWindow window({std::chrono::hours(1), 1000});
        const auto first = add(window, {1}, kStart);
        const auto later = window.begin(kStart + 2 * kHour);
        CPPUNIT_ASSERT(later.expired == std::vector<std::uint64_t>{first.generation});
        // That batch failed: the next one deletes the generation instead.
        const auto retry = window.begin(kStart + 2 * kHour);
        CPPUNIT_ASSERT(retry.expired == std::vector<std::uint64_t>{first.generation});
        window.commit(retry, {}, kStart + 2 * kHour);
        CPPUNIT_ASSERT(window.begin(kStart + 2 * kHour).expired.empty());
    }

    void testGenerationsEndWhenFullOrOld()
    {
        DuplicateWindow window({std::chrono::seconds(6400), 100000000});
        const auto first = add(window, {1}, kStart);
        // Within 1/64 of the duration (100 s), the same generation.
        CPPUNIT_ASSERT_EQUAL(first.generation, add(window, {2}, kStart + 100'000).generation);
        // Older than that: a new one.
        const auto second = add(window, {3}, kStart + 100'001);
        CPPUNIT_ASSERT(second.generation > first.generation);
        // Full: a new one.
        std::vector<std::uint64_t> many(DuplicateWindow::kGenerationSize);
        for (std::size_t i = 0; i < many.size(); ++i)
            many[i] = 1000 + i;
        add(window, many, kStart + 100'002);
        CPPUNIT_ASSERT(add(window, {7}, kStart + 100'003).generation > second.generation);
    }

    void testLoadedGenerationsRestoreTheWindow()
    {
        DuplicateWindow window({std::chrono::hours(1), 1000});
        window.load({9, kStart + 10, kStart + 20, {90, 91}});
        window.load({4, kStart, kStart + 5, {40}}); // in any order
        CPPUNIT_ASSERT(window.contains(40) && window.contains(90) && window.contains(91));
        // New messages go to a generation after the ones loaded...
        const auto turn = add(window, {5}, kStart + 30);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{9}, turn.generation);
        // ...and the oldest loaded leaves first.
        const auto expired = window.begin(kStart + 5 + kHour + 1).expired;
        CPPUNIT_ASSERT(expired == std::vector<std::uint64_t>{4});
        CPPUNIT_ASSERT(!window.contains(40) && window.contains(90));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DuplicateWindowTest);
