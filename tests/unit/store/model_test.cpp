#include "store/model.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>

using namespace ocs;
using namespace ocs::store;

class MapiIdTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MapiIdTest);
    CPPUNIT_TEST(testCounterBytesAreReversedAboveTheReplicaId);
    CPPUNIT_TEST(testEveryCounterByteLandsInItsSwappedPlace);
    CPPUNIT_TEST(testReplicaIdIsTheLow16Bits);
    CPPUNIT_TEST(testIdsRoundTrip);
    CPPUNIT_TEST(testCounterIsLimitedTo48Bits);
    CPPUNIT_TEST(testFnevBitOfEachEventType);
    CPPUNIT_TEST(testSubscriptionQueueIsUserFolderAndTable);
    CPPUNIT_TEST_SUITE_END();

  public:
    // Computed by hand from the definition: the six counter bytes, most
    // significant first, become the six high bytes of the id least
    // significant first; the replica id is the low two bytes.
    void testCounterBytesAreReversedAboveTheReplicaId()
    {
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0100000000000001}, makeMapiId(1, 1));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x060504030201ABCD}, makeMapiId(0x010203040506, 0xABCD));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0201000000000001}, makeMapiId(0x0102, 1));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xFFFFFFFFFFFF0000}, makeMapiId(kMaxGlobalCounter, 0));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x000000000000FFFF}, makeMapiId(0, 0xFFFF));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0}, makeMapiId(0, 0));
    }

    void testEveryCounterByteLandsInItsSwappedPlace()
    {
        for (int byte = 0; byte < 6; ++byte) {
            const std::uint64_t counter = std::uint64_t{0x5A} << (8 * byte);
            // Byte `byte` of the counter (0 = least significant) is byte
            // 7 - byte of the id.
            const std::uint64_t expected = std::uint64_t{0x5A} << (8 * (7 - byte));
            CPPUNIT_ASSERT_EQUAL(expected, makeMapiId(counter, 0));
        }
    }

    void testReplicaIdIsTheLow16Bits()
    {
        const Mid id = makeMapiId(0x123456789ABC, 0x0F0E);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0F0E}, id & 0xFFFF);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0F0E}, replicaIdOf(id));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xBC9A78563412}, id >> 16);
        // The replica id never leaks into the counter and the other way round.
        CPPUNIT_ASSERT_EQUAL(makeMapiId(0x123456789ABC, 0) | 0x0F0E, id);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0}, replicaIdOf(makeMapiId(kMaxGlobalCounter, 0)));
    }

    void testIdsRoundTrip()
    {
        const std::uint64_t counters[] = {0, 1, 2, 0xFF, 0x100, 0x010203040506, 0x8000000000, kMaxGlobalCounter};
        const std::uint16_t replicas[] = {0, 1, 2, 0x00FF, 0x0100, 0xFFFF};
        for (std::uint64_t counter : counters) {
            for (std::uint16_t replica : replicas) {
                const Mid id = makeMapiId(counter, replica);
                CPPUNIT_ASSERT_EQUAL(counter, globalCounterOf(id));
                CPPUNIT_ASSERT_EQUAL(replica, replicaIdOf(id));
                CPPUNIT_ASSERT_EQUAL(id, makeMapiId(globalCounterOf(id), replicaIdOf(id)));
            }
        }
        // Any 64-bit value splits into a counter and a replica id that rebuild it.
        for (Mid id : {Mid{0x0123456789ABCDEF}, Mid{0xFEDCBA9876543210}, Mid{0xFFFFFFFFFFFFFFFF}})
            CPPUNIT_ASSERT_EQUAL(id, makeMapiId(globalCounterOf(id), replicaIdOf(id)));
    }

    void testCounterIsLimitedTo48Bits()
    {
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xFFFFFFFFFFFF}, kMaxGlobalCounter);
        // Bits above the 48th are not part of a global counter.
        CPPUNIT_ASSERT_EQUAL(makeMapiId(1, 7), makeMapiId((std::uint64_t{1} << 48) | 1, 7));
        CPPUNIT_ASSERT(globalCounterOf(makeMapiId(kMaxGlobalCounter, 0xFFFF)) <= kMaxGlobalCounter);
    }

    void testFnevBitOfEachEventType()
    {
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0002}, fnevOf(EventType::NewMail));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0004}, fnevOf(EventType::ObjectCreated));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0008}, fnevOf(EventType::ObjectDeleted));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0010}, fnevOf(EventType::ObjectModified));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0020}, fnevOf(EventType::ObjectMoved));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0040}, fnevOf(EventType::ObjectCopied));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{0x0100}, fnev::TableModified);
    }

    void testSubscriptionQueueIsUserFolderAndTable()
    {
        Subscription subscription;
        subscription.session = "s1";
        subscription.handle = 9;
        subscription.flags = fnev::NewMail;
        subscription.fid = 0x42;
        subscription.mid = 0x99; // a message subscription lives on its folder's queue
        subscription.table = TableType::Contents;
        const QueueKey queue = queueOf("alice", subscription);
        CPPUNIT_ASSERT(queue == (QueueKey{"alice", 0x42, TableType::Contents}));
        CPPUNIT_ASSERT(!(queue == (QueueKey{"alice", 0x42, TableType::None})));
        CPPUNIT_ASSERT(!(queue == (QueueKey{"bob", 0x42, TableType::Contents})));
        CPPUNIT_ASSERT((QueueKey{"alice", 0} < QueueKey{"alice", 1}));
        CPPUNIT_ASSERT(!(queue < queue));

        QueueState state;
        CPPUNIT_ASSERT(state.empty());
        state.next = 2;
        CPPUNIT_ASSERT(!state.empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MapiIdTest);
