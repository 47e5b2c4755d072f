#include "auth/throttle.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::auth;

namespace {

using namespace std::chrono_literals;

const FailureThrottle::TimePoint start{std::chrono::hours(1)};

} // namespace

class FailureThrottleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(FailureThrottleTest);
    CPPUNIT_TEST(testKeyIsBlockedAtLimit);
    CPPUNIT_TEST(testFailuresAgeOutAfterWindow);
    CPPUNIT_TEST(testWindowSlides);
    CPPUNIT_TEST(testClearUnblocks);
    CPPUNIT_TEST(testKeysAreIndependent);
    CPPUNIT_TEST(testIdleKeysAreForgotten);
    CPPUNIT_TEST(testKeyCountIsBounded);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testKeyIsBlockedAtLimit()
    {
        FailureThrottle throttle(300s, 3, 100);
        throttle.recordFailure("alice", start);
        throttle.recordFailure("alice", start + 1s);
        CPPUNIT_ASSERT(!throttle.blocked("alice", start + 2s));
        throttle.recordFailure("alice", start + 2s);
        CPPUNIT_ASSERT(throttle.blocked("alice", start + 2s));
    }

    void testFailuresAgeOutAfterWindow()
    {
        FailureThrottle throttle(300s, 2, 100);
        throttle.recordFailure("alice", start);
        throttle.recordFailure("alice", start);
        CPPUNIT_ASSERT(throttle.blocked("alice", start + 299s));
        CPPUNIT_ASSERT(!throttle.blocked("alice", start + 300s));
    }

    void testWindowSlides()
    {
        FailureThrottle throttle(300s, 2, 100);
        throttle.recordFailure("alice", start);
        throttle.recordFailure("alice", start + 200s);
        CPPUNIT_ASSERT(throttle.blocked("alice", start + 250s));
        // The first failure leaves the window, the second is still inside.
        CPPUNIT_ASSERT(!throttle.blocked("alice", start + 300s));
        throttle.recordFailure("alice", start + 310s);
        CPPUNIT_ASSERT(throttle.blocked("alice", start + 310s));
        CPPUNIT_ASSERT(!throttle.blocked("alice", start + 500s));
    }

    void testClearUnblocks()
    {
        FailureThrottle throttle(300s, 1, 100);
        throttle.recordFailure("alice", start);
        CPPUNIT_ASSERT(throttle.blocked("alice", start));
        throttle.clear("alice");
        CPPUNIT_ASSERT(!throttle.blocked("alice", start));
    }

    void testKeysAreIndependent()
    {
        FailureThrottle throttle(300s, 1, 100);
        throttle.recordFailure("alice", start);
        CPPUNIT_ASSERT(throttle.blocked("alice", start));
        CPPUNIT_ASSERT(!throttle.blocked("bob", start));
    }

    void testIdleKeysAreForgotten()
    {
        FailureThrottle throttle(300s, 5, 100);
        throttle.recordFailure("alice", start);
        throttle.recordFailure("bob", start + 10s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), throttle.trackedKeys());
        throttle.recordFailure("carol", start + 305s); // alice's failure has aged out
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), throttle.trackedKeys());
        throttle.recordFailure("carol", start + 400s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), throttle.trackedKeys());
    }

    void testKeyCountIsBounded()
    {
        FailureThrottle throttle(300s, 1, 3);
        for (int i = 0; i < 10; ++i)
            throttle.recordFailure("key" + std::to_string(i), start + std::chrono::seconds(i));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), throttle.trackedKeys());
        // The most recent failures are the ones kept.
        CPPUNIT_ASSERT(throttle.blocked("key9", start + 10s));
        CPPUNIT_ASSERT(!throttle.blocked("key0", start + 10s));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FailureThrottleTest);
