#include "auth/permissions.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::auth;

class PermissionsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PermissionsTest);
    CPPUNIT_TEST(testWildcardAllowsEveryBackend);
    CPPUNIT_TEST(testNamedBackendsMatchExactly);
    CPPUNIT_TEST(testNoBackendsAllowNothing);
    CPPUNIT_TEST(testOnlyListedEventsAreAllowed);
    CPPUNIT_TEST(testEventNamesRoundTrip);
    CPPUNIT_TEST(testUnknownEventNameIsNotParsed);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testWildcardAllowsEveryBackend()
    {
        const Permissions permissions{{"*"}, {}};
        CPPUNIT_ASSERT(permissions.allowsBackend("SOGo"));
        CPPUNIT_ASSERT(permissions.allowsBackend("anything"));
    }

    void testNamedBackendsMatchExactly()
    {
        const Permissions permissions{{"SOGo", "dovecot"}, {}};
        CPPUNIT_ASSERT(permissions.allowsBackend("SOGo"));
        CPPUNIT_ASSERT(permissions.allowsBackend("dovecot"));
        CPPUNIT_ASSERT(!permissions.allowsBackend("sogo"));
        CPPUNIT_ASSERT(!permissions.allowsBackend("SOGo2"));
        CPPUNIT_ASSERT(!permissions.allowsBackend("*"));
    }

    void testNoBackendsAllowNothing()
    {
        const Permissions permissions{{}, {EventType::NewMail}};
        CPPUNIT_ASSERT(!permissions.allowsBackend("SOGo"));
    }

    void testOnlyListedEventsAreAllowed()
    {
        const Permissions permissions{{"*"}, {EventType::NewMail, EventType::ObjectMoved}};
        CPPUNIT_ASSERT(permissions.allowsEvent(EventType::NewMail));
        CPPUNIT_ASSERT(permissions.allowsEvent(EventType::ObjectMoved));
        CPPUNIT_ASSERT(!permissions.allowsEvent(EventType::ObjectDeleted));
    }

    void testEventNamesRoundTrip()
    {
        const char* names[] = {"NewMail",       "ObjectCreated", "ObjectModified",
                               "ObjectDeleted", "ObjectMoved",   "ObjectCopied"};
        for (const char* name : names) {
            EventType type{};
            CPPUNIT_ASSERT(parseEventType(name, type));
            CPPUNIT_ASSERT_EQUAL(std::string(name), std::string(eventTypeName(type)));
        }
    }

    void testUnknownEventNameIsNotParsed()
    {
        EventType type = EventType::ObjectCopied;
        CPPUNIT_ASSERT(!parseEventType("newmail", type));
        CPPUNIT_ASSERT(!parseEventType("", type));
        CPPUNIT_ASSERT(type == EventType::ObjectCopied);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PermissionsTest);
