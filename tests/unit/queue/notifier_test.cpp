#include "queue/notifier.hpp"
#include "store/registry.hpp"
#include "store/wake.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>

using namespace ocs;
using ocs::queue::Notifier;

namespace {

// Wake-ups waiting on the session's socket, read and counted.
int takeWakeUps(const store::WakeSocket& socket)
{
    int count = 0;
    char byte = 0;
    while (::recv(socket.fd(), &byte, 1, MSG_DONTWAIT) == 1)
        ++count;
    return count;
}

} // namespace

class NotifierTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(NotifierTest);
    CPPUNIT_TEST(testEachNotificationWakesAtOnce);
    CPPUNIT_TEST(testGatheringWakesEachSessionOnceAtItsEnd);
    CPPUNIT_TEST(testNestedGatheringsWakeAtTheOuterEnd);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        auto registry = store::Registry::open(directory_->path());
        CPPUNIT_ASSERT(registry.ok());
        registry_ = std::move(*registry);
        notifier_ = std::make_unique<Notifier>(directory_->path(), *registry_);
        first_.emplace(bind("first"));
        second_.emplace(bind("second"));
    }

    void tearDown() override
    {
        first_.reset();
        second_.reset();
        notifier_.reset();
        registry_.reset();
        directory_.reset();
    }

    void testEachNotificationWakesAtOnce()
    {
        notifier_->notify({"first"});
        notifier_->notify({"first", "second"});
        CPPUNIT_ASSERT_EQUAL(2, takeWakeUps(*first_));
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*second_));
    }

    void testGatheringWakesEachSessionOnceAtItsEnd()
    {
        {
            const Notifier::Gathering gathering(*notifier_);
            notifier_->notify({"first"});
            notifier_->notify({"first", "second"});
            notifier_->notify({"gone"}); // no socket: dropped, as without a gathering
            notifier_->notify({"first"});
            CPPUNIT_ASSERT_EQUAL(0, takeWakeUps(*first_));
            CPPUNIT_ASSERT_EQUAL(0, takeWakeUps(*second_));
        }
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*first_));
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*second_));
        // Closed: notifications go out at once again.
        notifier_->notify({"second"});
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*second_));
    }

    void testNestedGatheringsWakeAtTheOuterEnd()
    {
        {
            const Notifier::Gathering outer(*notifier_);
            {
                const Notifier::Gathering inner(*notifier_);
                notifier_->notify({"first"});
            }
            CPPUNIT_ASSERT_EQUAL(0, takeWakeUps(*first_));
            notifier_->notify({"first", "second"});
        }
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*first_));
        CPPUNIT_ASSERT_EQUAL(1, takeWakeUps(*second_));
    }

  private:
    store::WakeSocket bind(const std::string& session)
    {
        auto socket = store::WakeSocket::bind(directory_->path(), session);
        CPPUNIT_ASSERT_MESSAGE(socket ? "" : socket.error().detail, socket.ok());
        return std::move(*socket);
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<store::Registry> registry_;
    std::unique_ptr<Notifier> notifier_;
    std::optional<store::WakeSocket> first_;
    std::optional<store::WakeSocket> second_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NotifierTest);
