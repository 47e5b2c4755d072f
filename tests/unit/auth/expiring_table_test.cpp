#include "auth/expiring_table.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::auth;

namespace {

using namespace std::chrono_literals;
using Table = ExpiringTable<int>;

const Table::TimePoint start{std::chrono::hours(1)};

} // namespace

class ExpiringTableTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ExpiringTableTest);
    CPPUNIT_TEST(testEntryIsLiveUntilItsExpiry);
    CPPUNIT_TEST(testTakeRemovesEntry);
    CPPUNIT_TEST(testTakeOfExpiredEntryGivesNothing);
    CPPUNIT_TEST(testFullTableDropsExpiredBeforeOldest);
    CPPUNIT_TEST(testFullTableDropsOldest);
    CPPUNIT_TEST(testRetainIfRemovesRejected);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testEntryIsLiveUntilItsExpiry()
    {
        Table table(10);
        table.insert("a", 1, start + 60s, start);
        CPPUNIT_ASSERT(table.find("a", start + 60s - 1ms) != nullptr);
        CPPUNIT_ASSERT_EQUAL(1, *table.find("a", start + 60s - 1ms));
        CPPUNIT_ASSERT(table.find("a", start + 60s) == nullptr);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), table.size());
    }

    void testTakeRemovesEntry()
    {
        Table table(10);
        table.insert("a", 1, start + 60s, start);
        CPPUNIT_ASSERT(table.take("a", start) == 1);
        CPPUNIT_ASSERT(!table.take("a", start));
    }

    void testTakeOfExpiredEntryGivesNothing()
    {
        Table table(10);
        table.insert("a", 1, start + 60s, start);
        CPPUNIT_ASSERT(!table.take("a", start + 61s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), table.size());
    }

    void testFullTableDropsExpiredBeforeOldest()
    {
        Table table(3);
        table.insert("a", 1, start + 10s, start);
        table.insert("b", 2, start + 20s, start + 10s);
        table.insert("c", 3, start + 30s, start + 20s);
        table.insert("d", 4, start + 40s, start + 25s); // a and b have expired
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), table.size());
        CPPUNIT_ASSERT(table.find("c", start + 25s) != nullptr);
        CPPUNIT_ASSERT(table.find("d", start + 25s) != nullptr);
    }

    void testFullTableDropsOldest()
    {
        Table table(2);
        table.insert("a", 1, start + 60s, start);
        table.insert("b", 2, start + 61s, start + 1s);
        table.insert("c", 3, start + 62s, start + 2s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), table.size());
        CPPUNIT_ASSERT(table.find("a", start + 2s) == nullptr);
        CPPUNIT_ASSERT(table.find("b", start + 2s) != nullptr);
        CPPUNIT_ASSERT(table.find("c", start + 2s) != nullptr);
    }

    void testRetainIfRemovesRejected()
    {
        Table table(10);
        for (int i = 0; i < 6; ++i)
            table.insert(std::to_string(i), i, start + 60s, start);
        table.retainIf([](int& value) {
            value *= 10;
            return value % 20 == 0;
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), table.size());
        CPPUNIT_ASSERT_EQUAL(40, *table.find("4", start));
        CPPUNIT_ASSERT(table.find("3", start) == nullptr);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ExpiringTableTest);
