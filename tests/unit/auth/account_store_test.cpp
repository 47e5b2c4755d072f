#include "auth/account_store.hpp"
#include "auth/scram.hpp"
#include "unit/store/temp_directory.hpp"
#include "store/tdb.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <string>

using namespace ocs;
using namespace ocs::auth;

namespace {

namespace fs = std::filesystem;

unsigned modeOf(const fs::path& path)
{
    struct stat status {};
    CPPUNIT_ASSERT_EQUAL(0, ::stat(path.c_str(), &status));
    return status.st_mode & 07777;
}

} // namespace

class AccountStoreTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AccountStoreTest);
    CPPUNIT_TEST(testPutAccountIsFound);
    CPPUNIT_TEST(testUnknownAccountIsNotFound);
    CPPUNIT_TEST(testFileIsCreatedOwnerOnly);
    CPPUNIT_TEST(testMissingStateDirectoryIsCreatedOwnerOnly);
    CPPUNIT_TEST(testGroupReadableFileIsRestricted);
    CPPUNIT_TEST(testRemoveDeletesAccount);
    CPPUNIT_TEST(testListReturnsAccountsSortedWithoutSecret);
    CPPUNIT_TEST(testServerSecretIsStableAcrossReopen);
    CPPUNIT_TEST(testAccountsSurviveReopen);
    CPPUNIT_TEST(testCorruptRecordErrorNamesFileAndKey);
    CPPUNIT_TEST(testMakeAccountWritesVerifierNotPassword);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        store_ = openStore();
    }

    void tearDown() override
    {
        store_.reset();
        directory_.reset();
    }

    void testPutAccountIsFound()
    {
        const Account alice = makeAccount("alice", "secret", 4096, {{"SOGo"}, {EventType::NewMail}});
        CPPUNIT_ASSERT(store_->put(alice).ok());
        auto found = store_->find("alice");
        CPPUNIT_ASSERT(found.ok() && found->has_value());
        const Account& stored = **found;
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), stored.login);
        CPPUNIT_ASSERT(stored.salt == alice.salt);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(4096), stored.iterations);
        CPPUNIT_ASSERT(stored.storedKey == alice.storedKey);
        CPPUNIT_ASSERT(stored.serverKey == alice.serverKey);
        CPPUNIT_ASSERT(stored.permissions.backends == std::vector<std::string>{"SOGo"});
        CPPUNIT_ASSERT(stored.permissions.eventTypes == std::vector<EventType>{EventType::NewMail});
    }

    void testUnknownAccountIsNotFound()
    {
        auto found = store_->find("nobody");
        CPPUNIT_ASSERT(found.ok());
        CPPUNIT_ASSERT(!found->has_value());
    }

    void testFileIsCreatedOwnerOnly() { CPPUNIT_ASSERT_EQUAL(0600u, modeOf(accountsFile())); }

    void testMissingStateDirectoryIsCreatedOwnerOnly()
    {
        store_.reset();
        const fs::path nested = directory_->path() / "var" / "state";
        auto opened = AccountStore::open(nested);
        CPPUNIT_ASSERT(opened.ok());
        CPPUNIT_ASSERT_EQUAL(0700u, modeOf(nested));
        CPPUNIT_ASSERT_EQUAL(0600u, modeOf(nested / "accounts.tdb"));
    }

    void testGroupReadableFileIsRestricted()
    {
        store_.reset();
        CPPUNIT_ASSERT_EQUAL(0, ::chmod(accountsFile().c_str(), 0644));
        store_ = openStore();
        CPPUNIT_ASSERT_EQUAL(0600u, modeOf(accountsFile()));
    }

    void testRemoveDeletesAccount()
    {
        CPPUNIT_ASSERT(store_->put(makeAccount("alice", "secret", 4096, {})).ok());
        auto removed = store_->remove("alice");
        CPPUNIT_ASSERT(removed.ok() && *removed);
        CPPUNIT_ASSERT(!store_->find("alice")->has_value());
        auto again = store_->remove("alice");
        CPPUNIT_ASSERT(again.ok() && !*again);
    }

    void testListReturnsAccountsSortedWithoutSecret()
    {
        CPPUNIT_ASSERT(store_->serverSecret().ok()); // a record that is no account
        for (const char* login : {"carol", "alice", "bob"})
            CPPUNIT_ASSERT(store_->put(makeAccount(login, "pw", 4096, {})).ok());
        auto listed = store_->list();
        CPPUNIT_ASSERT(listed.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), listed->size());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), (*listed)[0].login);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), (*listed)[1].login);
        CPPUNIT_ASSERT_EQUAL(std::string("carol"), (*listed)[2].login);
    }

    void testServerSecretIsStableAcrossReopen()
    {
        auto first = store_->serverSecret();
        CPPUNIT_ASSERT(first.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), first->size());
        auto again = store_->serverSecret();
        CPPUNIT_ASSERT(again.ok() && *again == *first);
        store_.reset();
        store_ = openStore();
        auto reopened = store_->serverSecret();
        CPPUNIT_ASSERT(reopened.ok() && *reopened == *first);
    }

    void testAccountsSurviveReopen()
    {
        const Account alice = makeAccount("alice", "secret", 4096, {{"*"}, {EventType::NewMail}});
        CPPUNIT_ASSERT(store_->put(alice).ok());
        store_.reset();
        store_ = openStore();
        auto found = store_->find("alice");
        CPPUNIT_ASSERT(found.ok() && found->has_value());
        CPPUNIT_ASSERT((*found)->storedKey == alice.storedKey);
    }

    void testCorruptRecordErrorNamesFileAndKey()
    {
        store_.reset();
        {
            auto file = store::TdbFile::open(accountsFile(), TDB_DEFAULT, O_RDWR, 0600);
            CPPUNIT_ASSERT(file.ok());
            CPPUNIT_ASSERT(file->store("account/mallory", "\x01\x00", store::TdbFile::StoreMode::Replace).ok());
        }
        store_ = openStore();
        auto found = store_->find("mallory");
        CPPUNIT_ASSERT(!found.ok());
        CPPUNIT_ASSERT(found.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(found.error().detail.find(accountsFile().string()) != std::string::npos);
        CPPUNIT_ASSERT(found.error().detail.find("account/mallory") != std::string::npos);
        CPPUNIT_ASSERT(!store_->list().ok());
    }

    void testMakeAccountWritesVerifierNotPassword()
    {
        const Account account = makeAccount("alice", "pencil", 4096, {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), account.salt.size());
        const scram::Key salted = scram::saltedPassword("pencil", account.salt, 4096);
        CPPUNIT_ASSERT(account.storedKey == scram::storedKey(scram::clientKey(salted)));
        CPPUNIT_ASSERT(account.serverKey == scram::serverKey(salted));
        CPPUNIT_ASSERT(makeAccount("alice", "pencil", 4096, {}).salt != account.salt);
    }

  private:
    fs::path accountsFile() const { return directory_->path() / "accounts.tdb"; }

    std::unique_ptr<AccountStore> openStore()
    {
        auto opened = AccountStore::open(directory_->path());
        CPPUNIT_ASSERT(opened.ok());
        return std::move(*opened);
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<AccountStore> store_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccountStoreTest);
