// The resolver for OpenChange's TDB index against the OpenChange emulation
// (tests/support/openchange_emulation.cpp) and against the file's raw bytes.
// libtdb allows one open of a file per process: each test destroys its
// resolver before the emulation or a raw read opens the same file.
#include "client_module/indexing_tdb.hpp"
#include "support/openchange_emulation.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <tdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ocs;
using namespace ocs::client_module;
namespace emulation = ocs::test::openchange;

namespace {

const std::string kUser = "alice";
const std::string kRoot = "sogo://alice:alice@mail/";
const std::string kInbox = "sogo://alice:alice@mail/folderINBOX/";
const std::string kSent = "sogo://alice:alice@mail/folderSent/";
const std::string kCalendar = "sogo://alice:alice@calendar/personal/";

// Root folder (counter 1) and four folders (counters 2 to 5).
emulation::Mailbox provision(const std::filesystem::path& directory)
{
    return emulation::provisionMailbox(directory, kUser, {kRoot, kInbox, kSent, kCalendar});
}

std::unique_ptr<IndexingTdbResolver> openResolver(const std::filesystem::path& directory)
{
    auto resolver = IndexingTdbResolver::open(directory);
    CPPUNIT_ASSERT_MESSAGE(resolver.ok() ? "" : resolver.error().detail, resolver.ok());
    return std::move(*resolver);
}

std::vector<MessageLookup> lookups(const std::vector<std::string>& uris, bool allocate)
{
    std::vector<MessageLookup> out;
    for (const std::string& uri : uris)
        out.push_back(MessageLookup{uri, allocate, std::nullopt});
    return out;
}

void resolveOk(IdResolver& resolver, std::vector<MessageLookup>& batch, const std::string& user = kUser)
{
    const Status resolved = resolver.resolve(user, batch);
    CPPUNIT_ASSERT_MESSAGE(resolved.ok() ? "" : resolved.error().detail, resolved.ok());
}

// One URI through a fresh resolve() call.
std::optional<store::Mid> resolveOne(IdResolver& resolver, const std::string& uri, bool allocate)
{
    std::vector<MessageLookup> batch = lookups({uri}, allocate);
    resolveOk(resolver, batch);
    return batch[0].mid;
}

std::filesystem::path indexPath(const std::filesystem::path& directory, const std::string& user = kUser)
{
    return directory / user / "indexing.tdb";
}

// Every record of the file, read with libtdb directly.
std::map<std::string, std::string> rawRecords(const std::filesystem::path& path)
{
    tdb_context* tdb = tdb_open(path.c_str(), 0, TDB_DEFAULT, O_RDONLY, 0);
    if (tdb == nullptr)
        throw std::runtime_error(path.string() + ": cannot open");
    std::map<std::string, std::string> records;
    auto visit = [](tdb_context*, TDB_DATA key, TDB_DATA value, void* state) -> int {
        (*static_cast<std::map<std::string, std::string>*>(state))
            .emplace(std::string(reinterpret_cast<const char*>(key.dptr), key.dsize),
                     std::string(reinterpret_cast<const char*>(value.dptr), value.dsize));
        return 0;
    };
    tdb_traverse_read(tdb, visit, &records);
    tdb_close(tdb);
    return records;
}

void rawStore(const std::filesystem::path& path, const std::string& key, const std::string& value)
{
    tdb_context* tdb = tdb_open(path.c_str(), 0, TDB_DEFAULT, O_RDWR, 0);
    if (tdb == nullptr)
        throw std::runtime_error(path.string() + ": cannot open");
    TDB_DATA k{reinterpret_cast<unsigned char*>(const_cast<char*>(key.data())), key.size()};
    TDB_DATA v{reinterpret_cast<unsigned char*>(const_cast<char*>(value.data())), value.size()};
    const int stored = tdb_store(tdb, k, v, TDB_REPLACE);
    tdb_close(tdb);
    if (stored != 0)
        throw std::runtime_error(path.string() + ": cannot store");
}

int rawHashSize(const std::filesystem::path& path)
{
    tdb_context* tdb = tdb_open(path.c_str(), 0, TDB_DEFAULT, O_RDONLY, 0);
    if (tdb == nullptr)
        throw std::runtime_error(path.string() + ": cannot open");
    const int size = tdb_hash_size(tdb);
    tdb_close(tdb);
    return size;
}

mode_t permissions(const std::filesystem::path& path)
{
    struct stat status {};
    CPPUNIT_ASSERT_EQUAL(0, ::stat(path.c_str(), &status));
    return status.st_mode & 07777;
}

mode_t currentUmask()
{
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

std::set<store::Mid> provisionedIds(const emulation::Mailbox& mailbox)
{
    std::set<store::Mid> ids{mailbox.root};
    for (const auto& [uri, fid] : mailbox.fids)
        ids.insert(fid);
    return ids;
}

// A child process allocating `rounds` times, one resolve() each: a URI of its
// own and one both children share. Writes "uri id" lines to `output`.
[[noreturn]] void allocateInChild(const std::filesystem::path& directory, int child, int rounds, int start,
                                  const std::filesystem::path& output)
{
    int status = 1;
    try {
        char go = 0;
        if (::read(start, &go, 1) < 0) // the parent closes its end: every child starts at once
            ::_exit(3);
        auto resolver = IndexingTdbResolver::open(directory);
        std::ofstream out(output);
        if (resolver.ok()) {
            status = 0;
            for (int round = 0; round < rounds && status == 0; ++round) {
                std::vector<MessageLookup> batch =
                    lookups({kInbox + "child" + std::to_string(child) + "-" + std::to_string(round) + ".eml",
                             kInbox + "shared-" + std::to_string(round) + ".eml"},
                            true);
                if (!(*resolver)->resolve(kUser, batch).ok() || !batch[0].mid || !batch[1].mid) {
                    status = 2;
                    break;
                }
                for (const MessageLookup& lookup : batch)
                    out << lookup.uri << ' ' << *lookup.mid << '\n';
            }
        }
        out.flush();
        if (!out)
            status = 4;
    } catch (...) {
        status = 5;
    }
    ::_exit(status);
}

} // namespace

class IndexingTdbResolverTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(IndexingTdbResolverTest);
    CPPUNIT_TEST(testAllocatedIdContinuesOpenChangesCounter);
    CPPUNIT_TEST(testIndexedUriResolvesToTheListingsMidWithoutAllocating);
    CPPUNIT_TEST(testListingAfterAllocationFindsTheSameMid);
    CPPUNIT_TEST(testOneTrailingSlashIsIgnoredOnEitherSide);
    CPPUNIT_TEST(testSameUriTwiceGetsOneAnswer);
    CPPUNIT_TEST(testOnlyLookupsThatAskForAnIdGetANewOne);
    CPPUNIT_TEST(testSoftDeletedRecordsAreIgnored);
    CPPUNIT_TEST(testUnknownUriWithoutAllocationIsNotIndexedAndCreatesNothing);
    CPPUNIT_TEST(testMessageUriAndResolveAgree);
    CPPUNIT_TEST(testFileIsWrittenInOpenChangesFormat);
    CPPUNIT_TEST(testIdsSurviveClosingAndReopening);
    CPPUNIT_TEST(testAllocationSkipsIdsRegisteredBeyondGlobalCount);
    CPPUNIT_TEST(testUnreadableGlobalCountIsAnError);
    CPPUNIT_TEST(testBadUserNameIsRefused);
    CPPUNIT_TEST(testBadUriIsRefused);
    CPPUNIT_TEST(testMissingMapistoreDirectoryIsRefused);
    CPPUNIT_TEST(testConcurrentAllocationsInTwoProcessesNeverShareAnId);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testAllocatedIdContinuesOpenChangesCounter()
    {
        test::TempDirectory directory;
        const emulation::Mailbox mailbox = provision(directory.path());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0100000000000001}, mailbox.root);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0500000000000001}, mailbox.fids.at(kCalendar));

        auto resolver = openResolver(directory.path());
        const std::optional<store::Mid> mid = resolveOne(*resolver, kInbox + "1.eml", true);
        resolver.reset();

        CPPUNIT_ASSERT(mid);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0600000000000001}, *mid); // counter 6
        CPPUNIT_ASSERT(provisionedIds(mailbox).count(*mid) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("0x0000000000000007"),
                             rawRecords(indexPath(directory.path())).at("GlobalCount"));
        // OpenChange's next id comes after ours.
        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"2.eml"});
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0700000000000001}, listed.at(kInbox + "2.eml"));
    }

    void testIndexedUriResolvesToTheListingsMidWithoutAllocating()
    {
        test::TempDirectory directory;
        provision(directory.path());
        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"1.eml", "2.eml"});
        const auto before = rawRecords(indexPath(directory.path()));

        auto resolver = openResolver(directory.path());
        std::vector<MessageLookup> batch = lookups({kInbox + "2.eml", kInbox + "1.eml"}, true);
        resolveOk(*resolver, batch);
        resolver.reset();

        CPPUNIT_ASSERT(batch[0].mid && batch[1].mid);
        CPPUNIT_ASSERT_EQUAL(listed.at(kInbox + "2.eml"), *batch[0].mid);
        CPPUNIT_ASSERT_EQUAL(listed.at(kInbox + "1.eml"), *batch[1].mid);
        CPPUNIT_ASSERT(before == rawRecords(indexPath(directory.path()))); // GlobalCount and records untouched
    }

    void testListingAfterAllocationFindsTheSameMid()
    {
        test::TempDirectory directory;
        provision(directory.path());
        const std::size_t provisioned = emulation::allocatedIds(directory.path(), kUser).size();

        auto resolver = openResolver(directory.path());
        const std::optional<store::Mid> mid = resolveOne(*resolver, kInbox + "7.eml", true);
        resolver.reset();

        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"7.eml"});
        CPPUNIT_ASSERT(mid);
        CPPUNIT_ASSERT_EQUAL(*mid, listed.at(kInbox + "7.eml"));
        CPPUNIT_ASSERT_EQUAL(provisioned + 1, emulation::allocatedIds(directory.path(), kUser).size());
        CPPUNIT_ASSERT_EQUAL(kInbox + "7.eml", emulation::openMessage(directory.path(), kUser, *mid).value_or(""));
    }

    void testOneTrailingSlashIsIgnoredOnEitherSide()
    {
        test::TempDirectory directory;
        const emulation::Mailbox mailbox = provision(directory.path()); // folder URIs end with '/'
        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"sub"});

        auto resolver = openResolver(directory.path());
        const std::string inboxWithoutSlash = kInbox.substr(0, kInbox.size() - 1);
        CPPUNIT_ASSERT_EQUAL(mailbox.fids.at(kInbox), resolveOne(*resolver, inboxWithoutSlash, false).value_or(0));
        CPPUNIT_ASSERT_EQUAL(mailbox.fids.at(kInbox), resolveOne(*resolver, kInbox, false).value_or(0));
        CPPUNIT_ASSERT_EQUAL(listed.at(kInbox + "sub"), resolveOne(*resolver, kInbox + "sub/", false).value_or(0));
        // One slash only, and no wildcard.
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "sub//", false));
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "su*", false));
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "SUB", false));
        resolver.reset();

        // What we register with a slash, OpenChange finds without one.
        resolver = openResolver(directory.path());
        const std::optional<store::Mid> folder = resolveOne(*resolver, kInbox + "archive/", true);
        resolver.reset();
        const auto found = emulation::listFolder(directory.path(), kUser, kInbox, {"archive"});
        CPPUNIT_ASSERT(folder);
        CPPUNIT_ASSERT_EQUAL(*folder, found.at(kInbox + "archive"));
    }

    void testSameUriTwiceGetsOneAnswer()
    {
        test::TempDirectory directory;
        provision(directory.path());

        auto resolver = openResolver(directory.path());
        std::vector<MessageLookup> batch = lookups({kInbox + "a", kInbox + "b.eml", kInbox + "a/", kInbox + "a"}, true);
        resolveOk(*resolver, batch);
        resolver.reset();

        CPPUNIT_ASSERT(batch[0].mid && batch[1].mid);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0600000000000001}, *batch[0].mid); // in the drain's order
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0700000000000001}, *batch[1].mid);
        CPPUNIT_ASSERT(batch[2].mid == batch[0].mid);
        CPPUNIT_ASSERT(batch[3].mid == batch[0].mid);
        const auto records = rawRecords(indexPath(directory.path()));
        CPPUNIT_ASSERT_EQUAL(std::string("0x0000000000000008"), records.at("GlobalCount"));
        CPPUNIT_ASSERT_EQUAL(kInbox + "a", records.at("0x0600000000000001")); // as first given
    }

    void testOnlyLookupsThatAskForAnIdGetANewOne()
    {
        test::TempDirectory directory;
        provision(directory.path());
        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"1.eml"});

        auto resolver = openResolver(directory.path());
        std::vector<MessageLookup> batch{{kInbox + "1.eml", false, std::nullopt},
                                         {kInbox + "2.eml", false, store::Mid{42}}, // a stale answer is cleared
                                         {kInbox + "3.eml", true, std::nullopt}};
        resolveOk(*resolver, batch);
        resolver.reset();

        CPPUNIT_ASSERT_EQUAL(listed.at(kInbox + "1.eml"), batch[0].mid.value_or(0));
        CPPUNIT_ASSERT(!batch[1].mid);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0700000000000001}, batch[2].mid.value_or(0));
        CPPUNIT_ASSERT(!emulation::openMessage(directory.path(), kUser, 0x0800000000000001));
    }

    void testSoftDeletedRecordsAreIgnored()
    {
        test::TempDirectory directory;
        provision(directory.path());
        const store::Mid deleted =
            emulation::listFolder(directory.path(), kUser, kInbox, {"1.eml"}).at(kInbox + "1.eml");
        emulation::softDelete(directory.path(), kUser, deleted);
        CPPUNIT_ASSERT(rawRecords(indexPath(directory.path())).count("SOFT_DELETED:0x0600000000000001") == 1);

        auto resolver = openResolver(directory.path());
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "1.eml", false));
        const auto uri = resolver->messageUri(kUser, deleted);
        CPPUNIT_ASSERT(uri.ok() && !*uri);
        const std::optional<store::Mid> renewed = resolveOne(*resolver, kInbox + "1.eml", true);
        resolver.reset();

        CPPUNIT_ASSERT(renewed);
        CPPUNIT_ASSERT(*renewed != deleted);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0700000000000001}, *renewed); // the soft-deleted counter stays taken
        CPPUNIT_ASSERT_EQUAL(kInbox + "1.eml", emulation::openMessage(directory.path(), kUser, *renewed).value_or(""));
    }

    void testUnknownUriWithoutAllocationIsNotIndexedAndCreatesNothing()
    {
        test::TempDirectory directory;
        auto resolver = openResolver(directory.path());
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "1.eml", false));
        const auto uri = resolver->messageUri(kUser, 0x0100000000000001);
        CPPUNIT_ASSERT(uri.ok() && !*uri);
        CPPUNIT_ASSERT(!std::filesystem::exists(directory.path() / kUser));

        std::filesystem::create_directory(directory.path() / kUser); // a user directory without its index
        CPPUNIT_ASSERT(!resolveOne(*resolver, kInbox + "1.eml", false));
        CPPUNIT_ASSERT(!std::filesystem::exists(indexPath(directory.path())));

        std::vector<MessageLookup> none;
        resolveOk(*resolver, none);
        CPPUNIT_ASSERT(std::filesystem::is_empty(directory.path() / kUser));
    }

    void testMessageUriAndResolveAgree()
    {
        test::TempDirectory directory;
        provision(directory.path());
        const auto listed = emulation::listFolder(directory.path(), kUser, kInbox, {"1.eml", "2.eml"});

        auto resolver = openResolver(directory.path());
        const store::Mid mid = listed.at(kInbox + "2.eml");
        const auto uri = resolver->messageUri(kUser, mid);
        CPPUNIT_ASSERT(uri.ok());
        CPPUNIT_ASSERT_EQUAL(kInbox + "2.eml", uri->value_or(""));
        CPPUNIT_ASSERT_EQUAL(mid, resolveOne(*resolver, **uri, false).value_or(0));

        const store::Mid allocated = resolveOne(*resolver, kSent + "9.eml", true).value_or(0);
        const auto allocatedUri = resolver->messageUri(kUser, allocated);
        CPPUNIT_ASSERT(allocatedUri.ok());
        CPPUNIT_ASSERT_EQUAL(kSent + "9.eml", allocatedUri->value_or(""));

        const auto unknown = resolver->messageUri(kUser, 0x6400000000000001);
        CPPUNIT_ASSERT(unknown.ok() && !*unknown);
        const auto zero = resolver->messageUri(kUser, 0);
        CPPUNIT_ASSERT(zero.ok() && !*zero);
    }

    void testFileIsWrittenInOpenChangesFormat()
    {
        test::TempDirectory directory;
        const std::string uri = kInbox + "1.eml";
        auto resolver = openResolver(directory.path());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0100000000000001}, resolveOne(*resolver, uri, true).value_or(0));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0200000000000001},
                             resolveOne(*resolver, kInbox + "2.eml", true).value_or(0));
        resolver.reset();

        const auto records = rawRecords(indexPath(directory.path()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, records.size());
        // Keys: 0x and 16 lowercase hex digits; values: the URI's bytes, no NUL.
        CPPUNIT_ASSERT_EQUAL(uri, records.at("0x0100000000000001"));
        CPPUNIT_ASSERT_EQUAL(uri.size(), records.at("0x0100000000000001").size());
        CPPUNIT_ASSERT_EQUAL(kInbox + "2.eml", records.at("0x0200000000000001"));
        // GlobalCount: the next counter, same text format.
        CPPUNIT_ASSERT_EQUAL(std::string("0x0000000000000003"), records.at("GlobalCount"));
        // As mapistore_indexing_tdb_init creates them.
        CPPUNIT_ASSERT_EQUAL(131, rawHashSize(indexPath(directory.path())));
        CPPUNIT_ASSERT_EQUAL(static_cast<mode_t>(0600 & ~currentUmask()), permissions(indexPath(directory.path())));
        CPPUNIT_ASSERT_EQUAL(static_cast<mode_t>(0700 & ~currentUmask()), permissions(directory.path() / kUser));

        // The counter past 9 and past 0xff keeps the layout: globcnt bytes reversed, replica 1.
        rawStore(indexPath(directory.path()), "GlobalCount", "0x0000000000000abc");
        resolver = openResolver(directory.path());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xbc0a000000000001},
                             resolveOne(*resolver, kInbox + "3.eml", true).value_or(0));
        resolver.reset();
        const auto later = rawRecords(indexPath(directory.path()));
        CPPUNIT_ASSERT_EQUAL(kInbox + "3.eml", later.at("0xbc0a000000000001"));
        CPPUNIT_ASSERT_EQUAL(std::string("0x0000000000000abd"), later.at("GlobalCount"));
    }

    void testIdsSurviveClosingAndReopening()
    {
        test::TempDirectory directory;
        provision(directory.path());
        auto first = openResolver(directory.path());
        std::vector<MessageLookup> batch = lookups({kInbox + "1.eml", kInbox + "2.eml", kSent + "3.eml"}, true);
        resolveOk(*first, batch);
        first.reset();

        auto second = openResolver(directory.path());
        std::vector<MessageLookup> again = lookups({kInbox + "1.eml", kInbox + "2.eml", kSent + "3.eml"}, false);
        resolveOk(*second, again);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            CPPUNIT_ASSERT(batch[i].mid);
            CPPUNIT_ASSERT(again[i].mid == batch[i].mid);
        }
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0900000000000001},
                             resolveOne(*second, kInbox + "4.eml", true).value_or(0));
    }

    void testAllocationSkipsIdsRegisteredBeyondGlobalCount()
    {
        test::TempDirectory directory;
        provision(directory.path());
        emulation::listFolder(directory.path(), kUser, kInbox, {"1.eml", "2.eml"}); // counters 6, 7
        // An OpenChange process that read the counter early writes it back lower.
        rawStore(indexPath(directory.path()), "GlobalCount", "0x0000000000000003");

        auto resolver = openResolver(directory.path());
        const std::optional<store::Mid> mid = resolveOne(*resolver, kInbox + "3.eml", true);
        resolver.reset();

        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x0800000000000001}, mid.value_or(0));
        CPPUNIT_ASSERT_EQUAL(std::string("0x0000000000000009"),
                             rawRecords(indexPath(directory.path())).at("GlobalCount"));
    }

    void testUnreadableGlobalCountIsAnError()
    {
        test::TempDirectory directory;
        provision(directory.path());
        rawStore(indexPath(directory.path()), "GlobalCount", "seven");

        auto resolver = openResolver(directory.path());
        std::vector<MessageLookup> batch = lookups({kInbox + "1.eml"}, true);
        const Status resolved = resolver->resolve(kUser, batch);
        CPPUNIT_ASSERT(!resolved.ok());
        CPPUNIT_ASSERT(resolved.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT_MESSAGE(resolved.error().detail,
                               resolved.error().detail.find(indexPath(directory.path()).string()) == 0);
        CPPUNIT_ASSERT(!batch[0].mid);
        resolver.reset();
        CPPUNIT_ASSERT(!emulation::openMessage(directory.path(), kUser, 0x0600000000000001)); // nothing half-done
    }

    void testBadUserNameIsRefused()
    {
        test::TempDirectory directory;
        auto resolver = openResolver(directory.path());
        for (const std::string& user :
             {std::string(), std::string("."), std::string(".."), std::string("a/b"), std::string("../alice"),
              std::string("/etc"), std::string("a\0b", 3), std::string(256, 'x')}) {
            std::vector<MessageLookup> batch = lookups({kInbox + "1.eml"}, true);
            const Status resolved = resolver->resolve(user, batch);
            CPPUNIT_ASSERT(!resolved.ok());
            CPPUNIT_ASSERT(resolved.error().code == ErrorCode::InvalidParameter);
            CPPUNIT_ASSERT_EQUAL(std::string("user"), resolved.error().field);
            const auto uri = resolver->messageUri(user, 0x0100000000000001);
            CPPUNIT_ASSERT(!uri.ok());
            CPPUNIT_ASSERT(uri.error().code == ErrorCode::InvalidParameter);
        }
        CPPUNIT_ASSERT(std::filesystem::is_empty(directory.path()));

        std::vector<MessageLookup> batch = lookups({kInbox + "1.eml"}, true);
        resolveOk(*resolver, batch, "alice@example.com"); // a mail address is a fine directory name
        CPPUNIT_ASSERT(std::filesystem::exists(indexPath(directory.path(), "alice@example.com")));
    }

    void testBadUriIsRefused()
    {
        test::TempDirectory directory;
        provision(directory.path());
        auto resolver = openResolver(directory.path());
        for (const std::string& uri : {std::string(), kInbox + std::string("1\0.eml", 6)}) {
            std::vector<MessageLookup> batch = lookups({kInbox + "2.eml", uri}, true);
            const Status resolved = resolver->resolve(kUser, batch);
            CPPUNIT_ASSERT(!resolved.ok());
            CPPUNIT_ASSERT(resolved.error().code == ErrorCode::InvalidParameter);
            CPPUNIT_ASSERT_EQUAL(std::string("uri"), resolved.error().field);
        }
        resolver.reset();
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, emulation::allocatedIds(directory.path(), kUser).size()); // nothing added
    }

    void testMissingMapistoreDirectoryIsRefused()
    {
        test::TempDirectory directory;
        const auto resolver = IndexingTdbResolver::open(directory.path() / "missing");
        CPPUNIT_ASSERT(!resolver.ok());
        CPPUNIT_ASSERT(resolver.error().code == ErrorCode::InternalError);
        CPPUNIT_ASSERT(resolver.error().detail.find((directory.path() / "missing").string()) == 0);
    }

    void testConcurrentAllocationsInTwoProcessesNeverShareAnId()
    {
        constexpr int kChildren = 2;
        constexpr int kRounds = 150;
        test::TempDirectory directory;
        const emulation::Mailbox mailbox = provision(directory.path()); // closed again: children may open it

        int start[2];
        CPPUNIT_ASSERT_EQUAL(0, ::pipe(start));
        std::vector<pid_t> children;
        for (int child = 0; child < kChildren; ++child) {
            const pid_t pid = ::fork();
            CPPUNIT_ASSERT(pid >= 0);
            if (pid == 0) {
                ::close(start[1]);
                allocateInChild(directory.path(), child, kRounds, start[0],
                                directory.path() / ("child" + std::to_string(child)));
            }
            children.push_back(pid);
        }
        ::close(start[0]);
        ::close(start[1]);
        for (pid_t pid : children) {
            int status = 0;
            CPPUNIT_ASSERT_EQUAL(pid, ::waitpid(pid, &status, 0));
            CPPUNIT_ASSERT(WIFEXITED(status));
            CPPUNIT_ASSERT_EQUAL(0, WEXITSTATUS(status));
        }

        std::map<std::string, store::Mid> idOf;
        std::map<store::Mid, std::string> uriOf;
        for (int child = 0; child < kChildren; ++child) {
            std::ifstream in(directory.path() / ("child" + std::to_string(child)));
            std::string uri;
            store::Mid mid = 0;
            int lines = 0;
            while (in >> uri >> mid) {
                ++lines;
                const auto [known, added] = idOf.emplace(uri, mid);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(uri, known->second, mid); // a shared URI: one id for both
                const auto [owner, fresh] = uriOf.emplace(mid, uri);
                CPPUNIT_ASSERT_EQUAL_MESSAGE("two URIs got one id", owner->second, uri);
            }
            CPPUNIT_ASSERT_EQUAL(2 * kRounds, lines);
        }
        const std::size_t distinct = static_cast<std::size_t>(kChildren * kRounds + kRounds);
        CPPUNIT_ASSERT_EQUAL(distinct, idOf.size());
        CPPUNIT_ASSERT_EQUAL(distinct, uriOf.size());
        for (const auto& [mid, uri] : uriOf)
            CPPUNIT_ASSERT(provisionedIds(mailbox).count(mid) == 0);

        // The file holds exactly those records, and the counter follows the last.
        const std::vector<std::uint64_t> ids = emulation::allocatedIds(directory.path(), kUser);
        CPPUNIT_ASSERT_EQUAL(mailbox.fids.size() + distinct, ids.size());
        for (const auto& [mid, uri] : uriOf)
            CPPUNIT_ASSERT_EQUAL(uri, emulation::openMessage(directory.path(), kUser, mid).value_or(""));
        const std::string expectedCount = [&] {
            std::ostringstream text;
            text << "0x" << std::hex;
            text.width(16);
            text.fill('0');
            text << (1 + mailbox.fids.size() + distinct + 1);
            return text.str();
        }();
        CPPUNIT_ASSERT_EQUAL(expectedCount, rawRecords(indexPath(directory.path())).at("GlobalCount"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IndexingTdbResolverTest);
