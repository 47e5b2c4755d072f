#include "auth/scram.hpp"
#include "common/encoding.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::scram;

namespace {

// RFC 7677 §3: the SCRAM-SHA-256 example exchange.
const std::string rfcClientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
const std::string rfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const std::string rfcClientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const std::string rfcProof = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const std::string rfcServerSignature = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

Bytes rfcSalt()
{
    return *base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
}

} // namespace

class ScramTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ScramTest);
    CPPUNIT_TEST(testRfc7677ClientProof);
    CPPUNIT_TEST(testRfc7677ServerSignature);
    CPPUNIT_TEST(testRfc7677ProofVerifies);
    CPPUNIT_TEST(testWrongProofIsRejected);
    CPPUNIT_TEST(testProofOfWrongLengthIsRejected);
    CPPUNIT_TEST(testProofForAnotherAuthMessageIsRejected);
    CPPUNIT_TEST(testAuthMessageMappingIsByteExact);
    CPPUNIT_TEST(testSaslNameEscapesEqualsAndComma);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testRfc7677ClientProof()
    {
        const Key salted = saltedPassword("pencil", rfcSalt(), 4096);
        const Key client = clientKey(salted);
        const Key proof = clientProof(client, clientSignature(storedKey(client), rfcAuthMessage()));
        CPPUNIT_ASSERT_EQUAL(rfcProof, base64Encode(proof));
    }

    void testRfc7677ServerSignature()
    {
        const Key salted = saltedPassword("pencil", rfcSalt(), 4096);
        CPPUNIT_ASSERT_EQUAL(rfcServerSignature, base64Encode(serverSignature(serverKey(salted), rfcAuthMessage())));
    }

    void testRfc7677ProofVerifies()
    {
        const Key stored = storedKey(clientKey(saltedPassword("pencil", rfcSalt(), 4096)));
        CPPUNIT_ASSERT(verifyProof(stored, *base64Decode(rfcProof), rfcAuthMessage()));
    }

    void testWrongProofIsRejected()
    {
        const Key stored = storedKey(clientKey(saltedPassword("pencil", rfcSalt(), 4096)));
        Bytes proof = *base64Decode(rfcProof);
        proof[31] ^= 0x01;
        CPPUNIT_ASSERT(!verifyProof(stored, proof, rfcAuthMessage()));

        const Key other = saltedPassword("pencil2", rfcSalt(), 4096);
        const Key otherClient = clientKey(other);
        const Key wrongPassword = clientProof(otherClient, clientSignature(storedKey(otherClient), rfcAuthMessage()));
        CPPUNIT_ASSERT(!verifyProof(stored, wrongPassword, rfcAuthMessage()));
    }

    void testProofOfWrongLengthIsRejected()
    {
        const Key stored = storedKey(clientKey(saltedPassword("pencil", rfcSalt(), 4096)));
        Bytes proof = *base64Decode(rfcProof);
        proof.push_back(0);
        CPPUNIT_ASSERT(!verifyProof(stored, proof, rfcAuthMessage()));
        proof.resize(31);
        CPPUNIT_ASSERT(!verifyProof(stored, proof, rfcAuthMessage()));
        CPPUNIT_ASSERT(!verifyProof(stored, Bytes{}, rfcAuthMessage()));
    }

    void testProofForAnotherAuthMessageIsRejected()
    {
        const Key stored = storedKey(clientKey(saltedPassword("pencil", rfcSalt(), 4096)));
        CPPUNIT_ASSERT(!verifyProof(stored, *base64Decode(rfcProof), rfcAuthMessage() + "x"));
    }

    void testAuthMessageMappingIsByteExact()
    {
        const Bytes salt{0x00, 0x01, 0xfe, 0xff};
        CPPUNIT_ASSERT_EQUAL(std::string("n=a=3Db=2Cc,r=CHAL-_0,r=CHAL-_0,s=AAH+/w==,i=4096,c=biws,r=CHAL-_0"),
                             authMessageFor("a=b,c", "CHAL-_0", salt, 4096));
        CPPUNIT_ASSERT_EQUAL(std::string("n=J\xC3\xB6rg,r=x,r=x,s=,i=1,c=biws,r=x"),
                             authMessageFor("J\xC3\xB6rg", "x", Bytes{}, 1));
    }

    void testSaslNameEscapesEqualsAndComma()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("user"), saslName("user"));
        CPPUNIT_ASSERT_EQUAL(std::string("=3D=2C=3D"), saslName("=,="));
        CPPUNIT_ASSERT_EQUAL(std::string("a=2Cb=3Dc"), saslName("a,b=c"));
    }

  private:
    static std::string rfcAuthMessage()
    {
        return authMessage(rfcClientFirstBare, rfcServerFirst, rfcClientFinalWithoutProof);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ScramTest);
