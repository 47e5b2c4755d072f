// The worked example of doc/protocol.md, value for value: if this test
// fails, the document and the code disagree.
#include "auth/scram.hpp"
#include "common/encoding.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::scram;

class ProtocolExampleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ProtocolExampleTest);
    CPPUNIT_TEST(testDocumentedKeys);
    CPPUNIT_TEST(testDocumentedAuthMessage);
    CPPUNIT_TEST(testDocumentedProofAndSignature);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testDocumentedKeys()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("mk8cfittgDXhxKfws9bpKA=="), base64Encode(salt()));
        CPPUNIT_ASSERT_EQUAL(std::string("3430339268fa67ac84934cf472e6a187b70e1aa2c753118ddb9e326dc4c8a018"),
                             hexEncode(salted()));
        CPPUNIT_ASSERT_EQUAL(std::string("d70e7dc96f1e22fa60430f6dea7a76f939bc612dcf1fd9f508eaab3a8990c5b7"),
                             hexEncode(clientKey(salted())));
        CPPUNIT_ASSERT_EQUAL(std::string("ce8d2cbd74103c21dafc01ae3ccbe04507f5563e5c9bf2ad4c5a21eafdc7ce00"),
                             hexEncode(storedKey(clientKey(salted()))));
        CPPUNIT_ASSERT_EQUAL(std::string("37ef4a56e8ce29d36b3afb3b4e5e2ace139247c63a20d17535db3207797b7e5a"),
                             hexEncode(serverKey(salted())));
    }

    void testDocumentedAuthMessage()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("n=alice,r=q7Z0vK3mB9xWp2LrT5nYcA8d,"
                                         "r=q7Z0vK3mB9xWp2LrT5nYcA8d,s=mk8cfittgDXhxKfws9bpKA==,i=4096,"
                                         "c=biws,r=q7Z0vK3mB9xWp2LrT5nYcA8d"),
                             message());
    }

    void testDocumentedProofAndSignature()
    {
        const Key client = clientKey(salted());
        const Key stored = storedKey(client);
        const Key signature = clientSignature(stored, message());
        CPPUNIT_ASSERT_EQUAL(std::string("ca6012c24640eb05256322adbb738fa17c9db0fec8219690d521338feaa231e3"),
                             hexEncode(signature));
        const Key proof = clientProof(client, signature);
        CPPUNIT_ASSERT_EQUAL(std::string("HW5vCyleyf9FIC3AUQn5WEUh0dMHPk9l3cuYtWMy9FQ="), base64Encode(proof));
        CPPUNIT_ASSERT(verifyProof(stored, proof, message()));
        CPPUNIT_ASSERT_EQUAL(std::string("/OBnI/UX84waWW30u/+iI40ea39b24HituAEZV2L83U="),
                             base64Encode(serverSignature(serverKey(salted()), message())));
    }

  private:
    static Bytes salt()
    {
        return Bytes{0x9a, 0x4f, 0x1c, 0x7e, 0x2b, 0x6d, 0x80, 0x35, 0xe1, 0xc4, 0xa7, 0xf0, 0xb3, 0xd6, 0xe9, 0x28};
    }

    static Key salted() { return saltedPassword("correct horse battery staple", salt(), 4096); }

    static std::string message() { return authMessageFor("alice", "q7Z0vK3mB9xWp2LrT5nYcA8d", salt(), 4096); }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProtocolExampleTest);
