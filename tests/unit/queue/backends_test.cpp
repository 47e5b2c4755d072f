#include "queue/backends.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using namespace ocs;
using ocs::queue::Backends;

namespace {

BackendConfig caseSensitive()
{
    return {"Mail", "mail://{folder}/{user}", "mail://{user}/{folder}/{message}/{user}", true};
}

} // namespace

class BackendsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(BackendsTest);
    CPPUNIT_TEST(testFindIsAnExactMatchOnTheName);
    CPPUNIT_TEST(testSogoUrisAreMapistoreStyle);
    CPPUNIT_TEST(testCaseInsensitiveUserIsFoldedToLowerCase);
    CPPUNIT_TEST(testCaseSensitiveUserIsKept);
    CPPUNIT_TEST(testFolderAndMessageAreNeverFolded);
    CPPUNIT_TEST(testPlaceholdersMayRepeatInAnyOrder);
    CPPUNIT_TEST(testTextOutsidePlaceholdersIsCopied);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testFindIsAnExactMatchOnTheName()
    {
        const Backends backends({defaultSogoBackend(), caseSensitive()});
        const BackendConfig* sogo = backends.find("SOGo");
        CPPUNIT_ASSERT(sogo != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("SOGo"), sogo->name);
        CPPUNIT_ASSERT(backends.find("Mail") != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("Mail"), backends.find("Mail")->name);
        CPPUNIT_ASSERT(backends.find("sogo") == nullptr);
        CPPUNIT_ASSERT(backends.find("SOGO") == nullptr);
        CPPUNIT_ASSERT(backends.find("SOG") == nullptr);
        CPPUNIT_ASSERT(backends.find("") == nullptr);
        CPPUNIT_ASSERT(Backends(std::vector<BackendConfig>{}).find("SOGo") == nullptr);
    }

    void testSogoUrisAreMapistoreStyle()
    {
        const BackendConfig sogo = defaultSogoBackend();
        CPPUNIT_ASSERT(!sogo.caseSensitive);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@inbox/"), Backends::folderUri(sogo, "jdoe", "inbox"));
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@inbox/61.eml"),
                             Backends::messageUri(sogo, "jdoe", "inbox", "61"));
    }

    void testCaseInsensitiveUserIsFoldedToLowerCase()
    {
        const BackendConfig sogo = defaultSogoBackend();
        CPPUNIT_ASSERT_EQUAL(std::string("jdoe"), Backends::userKey(sogo, "JDoe"));
        CPPUNIT_ASSERT_EQUAL(std::string("jdoe@example.org"), Backends::userKey(sogo, "JDOE@Example.ORG"));
        CPPUNIT_ASSERT_EQUAL(std::string("jdoe"), Backends::userKey(sogo, "jdoe"));
        CPPUNIT_ASSERT_EQUAL(Backends::userKey(sogo, "jdoe"), Backends::userKey(sogo, Backends::userKey(sogo, "JDOE")));
        // ASCII only: bytes of other characters are left as they are.
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\x89mile"), Backends::userKey(sogo, "\xC3\x89MILE"));
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@inbox/"), Backends::folderUri(sogo, "JDoe", "inbox"));
        CPPUNIT_ASSERT_EQUAL(Backends::messageUri(sogo, "jdoe", "inbox", "61"),
                             Backends::messageUri(sogo, "JDOE", "inbox", "61"));
    }

    void testCaseSensitiveUserIsKept()
    {
        const BackendConfig mail = caseSensitive();
        CPPUNIT_ASSERT_EQUAL(std::string("JDoe"), Backends::userKey(mail, "JDoe"));
        CPPUNIT_ASSERT_EQUAL(std::string("mail://INBOX/JDoe"), Backends::folderUri(mail, "JDoe", "INBOX"));
        CPPUNIT_ASSERT(Backends::folderUri(mail, "JDoe", "INBOX") != Backends::folderUri(mail, "jdoe", "INBOX"));
    }

    void testFolderAndMessageAreNeverFolded()
    {
        const BackendConfig sogo = defaultSogoBackend();
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/"), Backends::folderUri(sogo, "JDoe", "INBOX"));
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@Folder/Sub/AbC.eml"),
                             Backends::messageUri(sogo, "JDOE", "Folder/Sub", "AbC"));
    }

    void testPlaceholdersMayRepeatInAnyOrder()
    {
        const BackendConfig mail = caseSensitive();
        CPPUNIT_ASSERT_EQUAL(std::string("mail://Bob/Drafts/m-1/Bob"),
                             Backends::messageUri(mail, "Bob", "Drafts", "m-1"));
        // A folder template without {message} ignores the message.
        CPPUNIT_ASSERT_EQUAL(std::string("mail://Drafts/Bob"), Backends::folderUri(mail, "Bob", "Drafts"));
    }

    void testTextOutsidePlaceholdersIsCopied()
    {
        const BackendConfig literal{"Lit", "fixed://folder", "x{user}y{folder}z{message}w", true};
        CPPUNIT_ASSERT_EQUAL(std::string("fixed://folder"), Backends::folderUri(literal, "u", "f"));
        CPPUNIT_ASSERT_EQUAL(std::string("xuyfzmw"), Backends::messageUri(literal, "u", "f", "m"));
        // Values are inserted as given, even when they look like placeholders.
        CPPUNIT_ASSERT_EQUAL(std::string("x{folder}y{user}z{message}w"),
                             Backends::messageUri(literal, "{folder}", "{user}", "{message}"));
        // A brace that opens no placeholder is text.
        const BackendConfig open{"Open", "a{user", "b}{user}", true};
        CPPUNIT_ASSERT_EQUAL(std::string("a{user"), Backends::folderUri(open, "u", "f"));
        CPPUNIT_ASSERT_EQUAL(std::string("b}u"), Backends::messageUri(open, "u", "f", "m"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackendsTest);
