#include "store/tdb.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <map>
#include <string>

using namespace ocs;
using namespace ocs::store;

class TdbFileTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TdbFileTest);
    CPPUNIT_TEST(testStoredValueIsFetched);
    CPPUNIT_TEST(testMissingKeyFetchesNothing);
    CPPUNIT_TEST(testBinaryKeysAndValuesSurvive);
    CPPUNIT_TEST(testInsertRefusesExistingKey);
    CPPUNIT_TEST(testRemoveReportsWhetherKeyExisted);
    CPPUNIT_TEST(testTraverseVisitsEveryRecord);
    CPPUNIT_TEST(testTraverseStopsWhenVisitorSaysSo);
    CPPUNIT_TEST(testCommittedTransactionIsKept);
    CPPUNIT_TEST(testFailedChangeIsCancelled);
    CPPUNIT_TEST(testOpenErrorNamesFileAndErrno);
    CPPUNIT_TEST(testValuesSurviveReopen);
    CPPUNIT_TEST(testKeptDeadRecordsAreGoneForReaders);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        path_ = directory_->path() / "test.tdb";
        file_ = std::make_unique<TdbFile>(openFile());
    }

    void tearDown() override
    {
        file_.reset();
        directory_.reset();
    }

    void testStoredValueIsFetched()
    {
        CPPUNIT_ASSERT(file_->store("key", "value", TdbFile::StoreMode::Replace).ok());
        CPPUNIT_ASSERT_EQUAL(std::string("value"), fetched("key"));
        CPPUNIT_ASSERT(file_->store("key", "other", TdbFile::StoreMode::Replace).ok());
        CPPUNIT_ASSERT_EQUAL(std::string("other"), fetched("key"));
    }

    void testMissingKeyFetchesNothing()
    {
        auto found = file_->fetch("absent");
        CPPUNIT_ASSERT(found.ok());
        CPPUNIT_ASSERT(!found->has_value());
    }

    void testBinaryKeysAndValuesSurvive()
    {
        const std::string key("k\0y", 3);
        const std::string value("\0\xff\0", 3);
        CPPUNIT_ASSERT(file_->store(key, value, TdbFile::StoreMode::Replace).ok());
        CPPUNIT_ASSERT(fetched(key) == value);
        CPPUNIT_ASSERT(!file_->fetch("k")->has_value());
    }

    void testInsertRefusesExistingKey()
    {
        CPPUNIT_ASSERT(file_->store("key", "first", TdbFile::StoreMode::Insert).ok());
        const Status second = file_->store("key", "second", TdbFile::StoreMode::Insert);
        CPPUNIT_ASSERT(!second.ok());
        CPPUNIT_ASSERT(second.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(second.error().detail.find(path_.string()) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("first"), fetched("key"));
    }

    void testRemoveReportsWhetherKeyExisted()
    {
        CPPUNIT_ASSERT(file_->store("key", "value", TdbFile::StoreMode::Replace).ok());
        auto removed = file_->remove("key");
        CPPUNIT_ASSERT(removed.ok() && *removed);
        CPPUNIT_ASSERT(!file_->fetch("key")->has_value());
        auto again = file_->remove("key");
        CPPUNIT_ASSERT(again.ok() && !*again);
    }

    void testTraverseVisitsEveryRecord()
    {
        const std::map<std::string, std::string> records{{"a", "1"}, {"b", "2"}, {"c", "3"}};
        for (const auto& [key, value] : records)
            CPPUNIT_ASSERT(file_->store(key, value, TdbFile::StoreMode::Insert).ok());
        std::map<std::string, std::string> seen;
        CPPUNIT_ASSERT(file_
                           ->traverse([&seen](std::string_view key, std::string_view value) {
                               seen.emplace(key, value);
                               return true;
                           })
                           .ok());
        CPPUNIT_ASSERT(seen == records);
    }

    void testTraverseStopsWhenVisitorSaysSo()
    {
        for (const char* key : {"a", "b", "c"})
            CPPUNIT_ASSERT(file_->store(key, "v", TdbFile::StoreMode::Insert).ok());
        int visits = 0;
        CPPUNIT_ASSERT(file_
                           ->traverse([&visits](std::string_view, std::string_view) {
                               ++visits;
                               return false;
                           })
                           .ok());
        CPPUNIT_ASSERT_EQUAL(1, visits);
    }

    void testCommittedTransactionIsKept()
    {
        CPPUNIT_ASSERT(file_->transact([&] { return file_->store("key", "value", TdbFile::StoreMode::Replace); }).ok());
        CPPUNIT_ASSERT_EQUAL(std::string("value"), fetched("key"));
    }

    void testFailedChangeIsCancelled()
    {
        CPPUNIT_ASSERT(file_->store("kept", "before", TdbFile::StoreMode::Replace).ok());
        Status failed = file_->transact([&]() -> Status {
            CPPUNIT_ASSERT(file_->store("kept", "changed", TdbFile::StoreMode::Replace).ok());
            CPPUNIT_ASSERT(file_->store("added", "value", TdbFile::StoreMode::Insert).ok());
            CPPUNIT_ASSERT_EQUAL(std::string("changed"), fetched("kept")); // seen inside
            return makeError(ErrorCode::InvalidParameter, "x", "refused");
        });
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::InvalidParameter); // the change's own error
        CPPUNIT_ASSERT_EQUAL(std::string("before"), fetched("kept"));
        CPPUNIT_ASSERT(!file_->fetch("added")->has_value());
        // The file is usable for the next transaction.
        CPPUNIT_ASSERT(file_->transact([] { return Status(); }).ok());
    }

    void testOpenErrorNamesFileAndErrno()
    {
        const auto missing = directory_->path() / "no-such-directory" / "x.tdb";
        auto opened = TdbFile::open(missing, TDB_DEFAULT, O_RDWR | O_CREAT, 0600);
        CPPUNIT_ASSERT(!opened.ok());
        CPPUNIT_ASSERT(opened.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(opened.error().detail.find(missing.string()) != std::string::npos);
        CPPUNIT_ASSERT(opened.error().detail.find("errno 2") != std::string::npos);
    }

    void testValuesSurviveReopen()
    {
        CPPUNIT_ASSERT(file_->store("key", "value", TdbFile::StoreMode::Replace).ok());
        file_.reset(); // tdb refuses a second open of one file in one process
        file_ = std::make_unique<TdbFile>(openFile());
        CPPUNIT_ASSERT_EQUAL(std::string("value"), fetched("key"));
    }

    void testKeptDeadRecordsAreGoneForReaders()
    {
        // One hash chain, so that every record can reuse every dead one.
        file_.reset();
        std::filesystem::remove(path_);
        auto opened = TdbFile::open(path_, TDB_DEFAULT, O_RDWR | O_CREAT, 0600, 1);
        CPPUNIT_ASSERT(opened.ok());
        file_ = std::make_unique<TdbFile>(std::move(*opened));
        file_->keepDeadRecords(5);
        const std::string large(200, 'x');
        CPPUNIT_ASSERT(
            file_
                ->transact([&]() -> Status {
                    for (int i = 0; i < 20; ++i) {
                        if (Status s = file_->store("old" + std::to_string(i), large, TdbFile::StoreMode::Insert); !s)
                            return s;
                    }
                    return {};
                })
                .ok());
        // Deleted and stored again, in transactions as the store does.
        for (int round = 0; round < 50; ++round) {
            CPPUNIT_ASSERT(file_
                               ->transact([&]() -> Status {
                                   const int i = round % 20;
                                   auto removed = file_->remove("old" + std::to_string(i));
                                   if (!removed)
                                       return removed.error();
                                   return file_->store("new" + std::to_string(round), std::string(150, 'y'),
                                                       TdbFile::StoreMode::Insert);
                               })
                               .ok());
            if (round % 20 == 19) {
                for (int i = 0; i < 20; ++i)
                    CPPUNIT_ASSERT(file_->store("old" + std::to_string(i), large, TdbFile::StoreMode::Replace).ok());
            }
        }
        CPPUNIT_ASSERT(!file_->fetch("old9")->has_value());
        CPPUNIT_ASSERT_EQUAL(large, fetched("old10"));
        std::size_t visited = 0;
        CPPUNIT_ASSERT(file_
                           ->traverse([&](std::string_view, std::string_view) {
                               ++visited;
                               return true;
                           })
                           .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{20 + 50 - 10}, visited);
        CPPUNIT_ASSERT_EQUAL(std::string(150, 'y'), fetched("new0"));
        CPPUNIT_ASSERT_EQUAL(std::string(150, 'y'), fetched("new49"));
    }

  private:
    TdbFile openFile()
    {
        auto opened = TdbFile::open(path_, TDB_DEFAULT, O_RDWR | O_CREAT, 0600);
        CPPUNIT_ASSERT(opened.ok());
        return std::move(*opened);
    }

    std::string fetched(const std::string& key)
    {
        auto found = file_->fetch(key);
        CPPUNIT_ASSERT(found.ok());
        CPPUNIT_ASSERT(found->has_value());
        return **found;
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::filesystem::path path_;
    std::unique_ptr<TdbFile> file_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(TdbFileTest);
