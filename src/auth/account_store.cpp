#include "auth/account_store.hpp"

#include "auth/account_record.hpp"
#include "auth/scram.hpp"
#include "common/random.hpp"
#include "store/state_directory.hpp"
#include "store/tdb.hpp"

#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <algorithm>
#include <mutex>
#include <system_error>
#include <utility>

namespace ocs::auth {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view fileName = "accounts.tdb";
constexpr std::string_view accountPrefix = "account/";
constexpr std::string_view secretKey = "server/secret";
constexpr std::size_t secretSize = 32;
constexpr std::size_t saltSize = 16;

std::string accountKey(std::string_view login)
{
    return std::string(accountPrefix) + std::string(login);
}

Error fileError(const fs::path& path, std::string_view what, const std::error_code& error)
{
    return makeError(ErrorCode::InternalError, {}, path.string() + ": " + std::string(what) + ": " + error.message());
}

// The verifiers are not passwords, but they allow an offline guessing attack:
// nobody but the owner reads them.
Status restrictToOwner(const fs::path& file)
{
    std::error_code error;
    const fs::file_status status = fs::status(file, error);
    if (status.type() == fs::file_type::not_found)
        return {};
    if (error)
        return fileError(file, "cannot stat", error);
    const fs::perms others = fs::perms::group_all | fs::perms::others_all;
    if ((status.permissions() & others) == fs::perms::none)
        return {};
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, error);
    if (error)
        return fileError(file, "cannot restrict to mode 0600", error);
    return {};
}

Error recordError(const fs::path& file, std::string_view key, const Error& why)
{
    return makeError(ErrorCode::InternalError, {}, file.string() + ": record " + std::string(key) + ": " + why.detail);
}

} // namespace

struct AccountStore::Impl {
    explicit Impl(store::TdbFile tdb) : file(std::move(tdb)) {}

    Result<std::optional<Account>> find(const std::string& login);
    Status put(const Account& account);
    Result<bool> remove(const std::string& login);
    Result<std::vector<Account>> list();
    Result<Bytes> loadOrCreateSecret();

    std::mutex mutex;
    store::TdbFile file;
    Bytes secret; // empty until first read: it never changes once made
};

Result<std::optional<Account>> AccountStore::Impl::find(const std::string& login)
{
    const std::string key = accountKey(login);
    auto record = file.fetch(key);
    if (!record)
        return record.error();
    if (!*record)
        return std::optional<Account>();
    auto account = decodeAccount(login, **record);
    if (!account)
        return recordError(file.path(), key, account.error());
    return std::optional<Account>(std::move(*account));
}

Status AccountStore::Impl::put(const Account& account)
{
    return file.transact([&] {
        return file.store(accountKey(account.login), encodeAccount(account), store::TdbFile::StoreMode::Replace);
    });
}

Result<bool> AccountStore::Impl::remove(const std::string& login)
{
    bool removed = false;
    Status done = file.transact([&]() -> Status {
        auto gone = file.remove(accountKey(login));
        if (!gone)
            return gone.error();
        removed = *gone;
        return {};
    });
    if (!done)
        return done.error();
    return removed;
}

Result<std::vector<Account>> AccountStore::Impl::list()
{
    std::vector<std::pair<std::string, std::string>> records;
    Status walked = file.traverse([&records](std::string_view key, std::string_view value) {
        if (key.substr(0, accountPrefix.size()) == accountPrefix)
            records.emplace_back(key, value);
        return true;
    });
    if (!walked)
        return walked.error();

    std::vector<Account> accounts;
    for (const auto& [key, value] : records) {
        auto account = decodeAccount(std::string_view(key).substr(accountPrefix.size()), value);
        if (!account)
            return recordError(file.path(), key, account.error());
        accounts.push_back(std::move(*account));
    }
    std::sort(accounts.begin(), accounts.end(), [](const Account& a, const Account& b) { return a.login < b.login; });
    return accounts;
}

// Inside a transaction, so that two processes opening a fresh file agree on
// one secret: the second reads what the first committed.
Result<Bytes> AccountStore::Impl::loadOrCreateSecret()
{
    Bytes secret;
    Status done = file.transact([&]() -> Status {
        auto stored = file.fetch(secretKey);
        if (!stored)
            return stored.error();
        if (*stored) {
            if ((*stored)->size() != secretSize)
                return makeError(ErrorCode::InternalError, {},
                                 file.path().string() + ": record " + std::string(secretKey) + ": wrong size");
            secret = toBytes(**stored);
            return {};
        }
        secret = randomBytes(secretSize);
        return file.store(secretKey, toString(secret), store::TdbFile::StoreMode::Insert);
    });
    if (!done)
        return done.error();
    return secret;
}

AccountStore::AccountStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AccountStore::~AccountStore() = default;

Result<std::unique_ptr<AccountStore>> AccountStore::open(const fs::path& stateDirectory)
{
    if (Status directory = store::ensureStateDirectory(stateDirectory); !directory)
        return directory.error();
    const fs::path path = stateDirectory / fileName;
    if (Status restricted = restrictToOwner(path); !restricted)
        return restricted.error();
    auto file = store::TdbFile::open(path, TDB_DEFAULT, O_RDWR | O_CREAT, 0600);
    if (!file)
        return file.error();
    return std::unique_ptr<AccountStore>(new AccountStore(std::make_unique<Impl>(std::move(*file))));
}

Result<std::optional<Account>> AccountStore::find(const std::string& login)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->find(login);
}

Status AccountStore::put(const Account& account)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->put(account);
}

Result<bool> AccountStore::remove(const std::string& login)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->remove(login);
}

Result<std::vector<Account>> AccountStore::list()
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->list();
}

Result<std::vector<std::uint8_t>> AccountStore::serverSecret()
{
    const std::lock_guard lock(impl_->mutex);
    if (impl_->secret.empty()) {
        auto secret = impl_->loadOrCreateSecret();
        if (!secret)
            return secret.error();
        impl_->secret = std::move(*secret);
    }
    return impl_->secret;
}

Account makeAccount(const std::string& login, const std::string& password, std::uint32_t iterations,
                    Permissions permissions)
{
    Account account;
    account.login = login;
    account.salt = randomBytes(saltSize);
    account.iterations = iterations;
    const scram::Key salted = scram::saltedPassword(password, account.salt, iterations);
    account.storedKey = scram::storedKey(scram::clientKey(salted));
    account.serverKey = scram::serverKey(salted);
    account.permissions = std::move(permissions);
    return account;
}

} // namespace ocs::auth
