#include "store/journal.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace ocs;
using namespace ocs::store;
namespace fs = std::filesystem;

namespace {

struct Replayed {
    std::vector<std::string> payloads;
    std::vector<JournalPosition> ends;
};

std::vector<fs::path> segmentFiles(const fs::path& state)
{
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(state / "journal")) {
        if (item.path().extension() == ".log")
            files.push_back(item.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

class JournalTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JournalTest);
    CPPUNIT_TEST(testRecordsComeBackInOrderAfterReopen);
    CPPUNIT_TEST(testReplayStartsAfterTheGivenPosition);
    CPPUNIT_TEST(testUnfinishedLastRecordIsCut);
    CPPUNIT_TEST(testDamageBeforeTheEndIsAnErrorNamingTheFile);
    CPPUNIT_TEST(testSecondWriterIsRefused);
    CPPUNIT_TEST(testSegmentsRollAndReleaseRemovesTheApplied);
    CPPUNIT_TEST(testAppendBeforeReplayIsRefused);
    CPPUNIT_TEST(testVisitorErrorStopsTheReplay);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override { directory_ = std::make_unique<test::TempDirectory>(); }
    void tearDown() override { directory_.reset(); }

    void testRecordsComeBackInOrderAfterReopen()
    {
        {
            auto journal = open();
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            for (const char* payload : {"one", "two", "three"})
                CPPUNIT_ASSERT(journal->append(payload).ok());
        }
        auto journal = open();
        const Replayed got = replay(*journal, {});
        CPPUNIT_ASSERT(got.payloads == (std::vector<std::string>{"one", "two", "three"}));
        CPPUNIT_ASSERT(got.ends[0] < got.ends[1] && got.ends[1] < got.ends[2]);
        // Appends go on after the last record.
        auto end = journal->append("four");
        CPPUNIT_ASSERT(end.ok());
        CPPUNIT_ASSERT(got.ends[2] < *end);
    }

    void testReplayStartsAfterTheGivenPosition()
    {
        JournalPosition afterFirst;
        {
            auto journal = open();
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            afterFirst = *journal->append("one");
            CPPUNIT_ASSERT(journal->append("two").ok());
        }
        auto journal = open();
        CPPUNIT_ASSERT(replay(*journal, afterFirst).payloads == std::vector<std::string>{"two"});
    }

    void testUnfinishedLastRecordIsCut()
    {
        {
            auto journal = open();
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            CPPUNIT_ASSERT(journal->append("kept").ok());
            CPPUNIT_ASSERT(journal->append("cut short by a crash").ok());
        }
        const fs::path segment = segmentFiles(directory_->path()).back();
        fs::resize_file(segment, fs::file_size(segment) - 5);
        {
            auto journal = open();
            CPPUNIT_ASSERT(replay(*journal, {}).payloads == std::vector<std::string>{"kept"});
            CPPUNIT_ASSERT(journal->append("after").ok());
        }
        auto journal = open();
        CPPUNIT_ASSERT(replay(*journal, {}).payloads == (std::vector<std::string>{"kept", "after"}));
    }

    void testDamageBeforeTheEndIsAnErrorNamingTheFile()
    {
        {
            auto journal = open();
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            CPPUNIT_ASSERT(journal->append("first record").ok());
            CPPUNIT_ASSERT(journal->append("second record").ok());
        }
        const fs::path segment = segmentFiles(directory_->path()).back();
        {
            std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
            file.seekp(14); // inside the first payload
            file.put('X');
        }
        auto journal = open();
        Status replayed = journal->replay({}, ignore());
        CPPUNIT_ASSERT(!replayed.ok());
        CPPUNIT_ASSERT(replayed.error().detail.find(segment.string()) != std::string::npos);
        CPPUNIT_ASSERT(replayed.error().detail.find("damaged") != std::string::npos);
    }

    void testSecondWriterIsRefused()
    {
        auto first = open();
        auto second = Journal::open(directory_->path(), false);
        CPPUNIT_ASSERT(!second.ok());
        CPPUNIT_ASSERT(second.error().detail.find("another process") != std::string::npos);
        first.reset();
        CPPUNIT_ASSERT(Journal::open(directory_->path(), false).ok());
    }

    void testSegmentsRollAndReleaseRemovesTheApplied()
    {
        const std::string payload(1000, 'p');
        std::vector<JournalPosition> ends;
        {
            auto journal = open(4096);
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            for (int i = 0; i < 10; ++i)
                ends.push_back(*journal->append(payload + std::to_string(i)));
            CPPUNIT_ASSERT(segmentFiles(directory_->path()).size() >= 3);
            CPPUNIT_ASSERT(journal->release(ends[6]).ok());
            for (const fs::path& file : segmentFiles(directory_->path()))
                CPPUNIT_ASSERT(std::stoull(file.stem().string(), nullptr, 16) >= ends[6].segment);
        }
        auto journal = open(4096);
        const Replayed rest = replay(*journal, ends[6]);
        CPPUNIT_ASSERT(rest.payloads == (std::vector<std::string>{payload + "7", payload + "8", payload + "9"}));
        // After a restart, the segments found at replay go once applied.
        CPPUNIT_ASSERT(ends[9].segment > ends[6].segment);
        CPPUNIT_ASSERT(journal->release(ends[9]).ok());
        const auto left = segmentFiles(directory_->path());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, left.size());
        CPPUNIT_ASSERT_EQUAL(ends[9].segment, std::uint64_t{std::stoull(left.front().stem().string(), nullptr, 16)});
    }

    void testAppendBeforeReplayIsRefused()
    {
        auto journal = open();
        CPPUNIT_ASSERT(!journal->append("too early").ok());
    }

    void testVisitorErrorStopsTheReplay()
    {
        {
            auto journal = open();
            CPPUNIT_ASSERT(journal->replay({}, ignore()).ok());
            CPPUNIT_ASSERT(journal->append("a").ok());
            CPPUNIT_ASSERT(journal->append("b").ok());
        }
        auto journal = open();
        int visits = 0;
        Status replayed = journal->replay({}, [&](std::string_view, JournalPosition) -> Status {
            ++visits;
            return makeError(ErrorCode::InternalError, {}, "cannot apply");
        });
        CPPUNIT_ASSERT(!replayed.ok());
        CPPUNIT_ASSERT_EQUAL(1, visits);
    }

  private:
    std::unique_ptr<Journal> open(std::uint64_t segmentBytes = Journal::kDefaultSegmentBytes)
    {
        auto journal = Journal::open(directory_->path(), false, segmentBytes);
        CPPUNIT_ASSERT_MESSAGE(journal ? "" : journal.error().detail, journal.ok());
        return std::move(*journal);
    }

    static Journal::Visitor ignore()
    {
        return [](std::string_view, JournalPosition) { return Status(); };
    }

    static Replayed replay(Journal& journal, JournalPosition from)
    {
        Replayed got;
        Status replayed = journal.replay(from, [&](std::string_view payload, JournalPosition end) {
            got.payloads.emplace_back(payload);
            got.ends.push_back(end);
            return Status();
        });
        CPPUNIT_ASSERT_MESSAGE(replayed ? "" : replayed.error().detail, replayed.ok());
        return got;
    }

    std::unique_ptr<test::TempDirectory> directory_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(JournalTest);
