#include "store/message_filter.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs::store;

class MessageFilterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MessageFilterTest);
    CPPUNIT_TEST(testEveryAddedMessageMayBeThere);
    CPPUNIT_TEST(testFewFalseMaybesWhileGrowing);
    CPPUNIT_TEST(testUserAndUriAreBothPartOfTheKey);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testEveryAddedMessageMayBeThere()
    {
        // More than the first layer holds: the filter grows without
        // forgetting.
        MessageFilter filter;
        for (int i = 0; i < 200000; ++i)
            filter.add("user" + std::to_string(i % 100), "sogo://m/" + std::to_string(i));
        for (int i = 0; i < 200000; ++i)
            CPPUNIT_ASSERT(filter.mayContain("user" + std::to_string(i % 100), "sogo://m/" + std::to_string(i)));
        CPPUNIT_ASSERT(filter.bytes() > 200000 * 10 / 8);
    }

    void testFewFalseMaybesWhileGrowing()
    {
        MessageFilter filter;
        for (int i = 0; i < 200000; ++i)
            filter.add("alice", "sogo://in/" + std::to_string(i));
        int falseMaybes = 0;
        for (int i = 0; i < 100000; ++i)
            falseMaybes += filter.mayContain("alice", "sogo://out/" + std::to_string(i)) ? 1 : 0;
        // A false "maybe" costs the commit a read of store.tdb, which waits
        // while a transaction is applied: at most about 0.01 % per layer,
        // three layers here (0.03 %: 30 of 100,000).
        CPPUNIT_ASSERT_MESSAGE(std::to_string(falseMaybes), falseMaybes < 60);
    }

    void testUserAndUriAreBothPartOfTheKey()
    {
        MessageFilter filter;
        filter.add("alice", "sogo://m/1");
        CPPUNIT_ASSERT(filter.mayContain("alice", "sogo://m/1"));
        int falseMaybes = 0;
        for (int i = 0; i < 1000; ++i)
            falseMaybes += filter.mayContain("bob" + std::to_string(i), "sogo://m/1") ? 1 : 0;
        CPPUNIT_ASSERT(falseMaybes < 10);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessageFilterTest);
