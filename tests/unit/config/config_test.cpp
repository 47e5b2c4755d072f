#include "config/config.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Every field as text, so two Configs compare in one assertion and a
// mismatch shows which field differs.
std::string dump(const ocs::Config& c)
{
    std::ostringstream out;
    out << "server.listen=" << c.server.listen << "\n"
        << "server.allow_plain_http=" << c.server.allowPlainHttp << "\n"
        << "server.workers=" << c.server.workers << "\n"
        << "server.max_connections=" << c.server.maxConnections << "\n"
        << "server.backlog=" << c.server.backlog << "\n"
        << "server.keepalive_timeout=" << c.server.keepaliveTimeout.count() << "\n"
        << "server.max_keepalive_requests=" << c.server.maxKeepaliveRequests << "\n"
        << "server.recv_timeout=" << c.server.recvTimeout.count() << "\n"
        << "server.send_timeout=" << c.server.sendTimeout.count() << "\n"
        << "server.transfer_timeout=" << c.server.transferTimeout.count() << "\n"
        << "tls.certificate_file=" << c.tls.certificateFile << "\n"
        << "tls.key_file=" << c.tls.keyFile << "\n"
        << "tls.min_version=" << c.tls.minVersion << "\n"
        << "limits.max_request_bytes=" << c.limits.maxRequestBytes << "\n"
        << "limits.max_depth=" << c.limits.maxDepth << "\n"
        << "limits.max_occurs=" << c.limits.maxOccurs << "\n"
        << "limits.max_field_length=" << c.limits.maxFieldLength << "\n"
        << "auth.challenge_ttl=" << c.auth.challengeTtl.count() << "\n"
        << "auth.session_ttl=" << c.auth.sessionTtl.count() << "\n"
        << "auth.iterations=" << c.auth.iterations << "\n"
        << "auth.max_failures_per_account=" << c.auth.maxFailuresPerAccount << "\n"
        << "auth.max_failures_per_address=" << c.auth.maxFailuresPerAddress << "\n"
        << "auth.failure_window=" << c.auth.failureWindow.count() << "\n"
        << "auth.max_challenges=" << c.auth.maxChallenges << "\n"
        << "auth.max_sessions=" << c.auth.maxSessions << "\n"
        << "log.level=" << c.log.level << "\n"
        << "log.console=" << c.log.console << "\n"
        << "log.file=" << c.log.file << "\n"
        << "log.syslog=" << c.log.syslog << "\n"
        << "state.directory=" << c.stateDirectory.string() << "\n";
    return out.str();
}

std::string readText(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> linesOf(const std::string& text)
{
    std::istringstream in(text);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

class ConfigTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConfigTest);
    CPPUNIT_TEST(testFileWithOnlyCommentsGivesDefaults);
    CPPUNIT_TEST(testShippedFileGivesDefaults);
    CPPUNIT_TEST(testValuesOfEveryKindAreRead);
    CPPUNIT_TEST(testSyntaxErrorNamesFileAndLine);
    CPPUNIT_TEST(testDuplicateOptionIsASyntaxError);
    CPPUNIT_TEST(testUnknownOptionNamesFileLineAndOption);
    CPPUNIT_TEST(testRetiredReplicaIdIsRefusedWithAdvice);
    CPPUNIT_TEST(testDuplicateWindowIsRead);
    CPPUNIT_TEST(testUnknownSectionNamesFileLineAndSection);
    CPPUNIT_TEST(testOptionOutsideSectionIsRejected);
    CPPUNIT_TEST(testBadIntegerNamesFileLineAndOption);
    CPPUNIT_TEST(testOutOfRangeValuesAreRejected);
    CPPUNIT_TEST(testBadBooleanIsRejected);
    CPPUNIT_TEST(testBadChoiceIsRejected);
    CPPUNIT_TEST(testBadByteSizeIsRejected);
    CPPUNIT_TEST(testEmptyStateDirectoryIsRejected);
    CPPUNIT_TEST(testCertificateWithoutKeyIsRejected);
    CPPUNIT_TEST(testKeyWithoutCertificateIsRejected);
    CPPUNIT_TEST(testBadListenIsRejected);
    CPPUNIT_TEST(testParseListenSplitsHostAndPort);
    CPPUNIT_TEST(testParseListenRejectsMalformedAddresses);
    CPPUNIT_TEST(testMissingFileIsAnError);
    CPPUNIT_TEST(testOverridesApplyInOrder);
    CPPUNIT_TEST(testBadOverrideNamesTheOverrideAndLeavesConfigUnchanged);
    CPPUNIT_TEST(testUnknownOrMalformedOverrideIsRejected);
    CPPUNIT_TEST(testOverridesMaySetCertificateAndKeyTogether);
    CPPUNIT_TEST(testOverrideBreakingTlsPairIsBlamed);
    CPPUNIT_TEST(testDescribeOptionsShowsDefaults);
    CPPUNIT_TEST(testEveryOptionIsInShippedFileAtItsDefault);
    CPPUNIT_TEST(testEveryOptionIsDocumentedWithItsDefault);
    CPPUNIT_TEST(testBackendSectionsReplaceTheDefault);
    CPPUNIT_TEST(testBackendNeedsBothTemplates);
    CPPUNIT_TEST(testBackendTemplatesAreChecked);
    CPPUNIT_TEST(testBackendOverridesAddAndChangeBackends);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        char pattern[] = "/tmp/ocs-config-test-XXXXXX";
        const char* made = mkdtemp(pattern);
        CPPUNIT_ASSERT(made != nullptr);
        dir_ = made;
    }

    void tearDown() override
    {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    void testFileWithOnlyCommentsGivesDefaults()
    {
        const auto loaded = ocs::loadConfig(write("# nothing\n; still nothing\n\n#[server]\n#workers = 9\n"));
        CPPUNIT_ASSERT(loaded.ok());
        CPPUNIT_ASSERT_EQUAL(dump(ocs::Config{}), dump(*loaded));
    }

    void testShippedFileGivesDefaults()
    {
        const auto loaded = ocs::loadConfig(OCS_SOURCE_DIR "/conf/ocsmanager.ini");
        CPPUNIT_ASSERT_MESSAGE(loaded.ok() ? "" : loaded.error().detail, loaded.ok());
        CPPUNIT_ASSERT_EQUAL(dump(ocs::Config{}), dump(*loaded));
    }

    void testValuesOfEveryKindAreRead()
    {
        const auto loaded = ocs::loadConfig(write("[server]\n"
                                                  "listen = [::]:8443\n"
                                                  "allow_plain_http = Yes\n"
                                                  "workers = 256\n"
                                                  "keepalive_timeout = 5\n"
                                                  "[tls]\n"
                                                  "certificate_file = /etc/ocs/cert.pem\n"
                                                  "key_file = /etc/ocs/key.pem\n"
                                                  "min_version = 1.3\n"
                                                  "[limits]\n"
                                                  "max_request_bytes = 1M\n"
                                                  "max_field_length = 2k\n"
                                                  "[log]\n"
                                                  "level = debug\n"
                                                  "console = off\n"
                                                  "file = /var/log/ocs.log\n"
                                                  "[store]\n"
                                                  "max_apply_pause = 0\n"
                                                  "[state]\n"
                                                  "directory = /var/lib/ocsmanager\n"));
        CPPUNIT_ASSERT_MESSAGE(loaded.ok() ? "" : loaded.error().detail, loaded.ok());
        const ocs::Config& c = *loaded;
        CPPUNIT_ASSERT_EQUAL(std::string("[::]:8443"), c.server.listen);
        CPPUNIT_ASSERT(c.server.allowPlainHttp);
        CPPUNIT_ASSERT_EQUAL(256u, c.server.workers);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{5}, static_cast<std::int64_t>(c.server.keepaliveTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::string("/etc/ocs/cert.pem"), c.tls.certificateFile);
        CPPUNIT_ASSERT_EQUAL(std::string("/etc/ocs/key.pem"), c.tls.keyFile);
        CPPUNIT_ASSERT_EQUAL(std::string("1.3"), c.tls.minVersion);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1} << 20, c.limits.maxRequestBytes);
        CPPUNIT_ASSERT_EQUAL(2048u, c.limits.maxFieldLength);
        CPPUNIT_ASSERT_EQUAL(std::string("debug"), c.log.level);
        CPPUNIT_ASSERT(!c.log.console);
        CPPUNIT_ASSERT_EQUAL(std::string("/var/log/ocs.log"), c.log.file);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, static_cast<std::int64_t>(c.store.maxApplyPause.count()));
        CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/ocsmanager"), c.stateDirectory.string());
        // untouched options keep their defaults
        CPPUNIT_ASSERT_EQUAL(ocs::Config{}.server.backlog, c.server.backlog);
        CPPUNIT_ASSERT_EQUAL(ocs::Config{}.auth.iterations, c.auth.iterations);
    }

    void testSyntaxErrorNamesFileAndLine()
    {
        const auto file = write("[server]\nworkers = 4\nbacklog 128\n");
        assertFails(file, "", file.string() + ":3: syntax error: '=' character not found in line");
        const auto unclosed = write("# header\n[server\n");
        assertFails(unclosed, "", unclosed.string() + ":2: syntax error: unmatched '['");
    }

    void testDuplicateOptionIsASyntaxError()
    {
        const auto file = write("[server]\nworkers = 4\nworkers = 5\n");
        assertFails(file, "", file.string() + ":3: syntax error: duplicate key name");
    }

    void testRetiredReplicaIdIsRefusedWithAdvice()
    {
        const auto file = write("[store]\nreplica_id = 1\n");
        assertFails(file, "store.replica_id",
                    file.string() +
                        ":2: store.replica_id: no longer an option: message ids come from OpenChange's allocator "
                        "(since 0.2.0); remove the line");
    }

    void testDuplicateWindowIsRead()
    {
        const auto loaded =
            ocs::loadConfig(write("[store]\nduplicate_window = 120\nduplicate_window_messages = 5000\n"));
        CPPUNIT_ASSERT(loaded.ok());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{120}, static_cast<std::int64_t>(loaded->store.duplicateWindow.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{5000}, loaded->store.duplicateWindowMessages);
        assertFailsWith(write("[store]\nduplicate_window_messages = 999\n"), "store.duplicate_window_messages", "1000");
    }

    void testUnknownOptionNamesFileLineAndOption()
    {
        const auto file = write("[server]\nworkers = 4\n\n  wrkers = 8\n");
        assertFails(file, "server.wrkers", file.string() + ":4: server.wrkers: unknown option");
    }

    void testUnknownSectionNamesFileLineAndSection()
    {
        const auto file = write("[server]\nworkers = 4\n# the next one is a typo\n[srever]\nbacklog = 3\n");
        assertFails(file, "srever",
                    file.string() + ":4: [srever]: unknown section;"
                                    " the sections are server, tls, limits, auth, log, store, state, and backend.NAME");
    }

    void testOptionOutsideSectionIsRejected()
    {
        const auto file = write("# no header\nworkers = 4\n[server]\n");
        assertFails(file, "workers",
                    file.string() + ":2: workers: option outside any section; put it under its [section] header");
    }

    void testBadIntegerNamesFileLineAndOption()
    {
        const auto file = write("[log]\nlevel = info\n[server]\nbacklog = 10\n\nworkers = lots\n");
        assertFails(file, "server.workers",
                    file.string() + ":6: server.workers: expected an integer from 1 to 256, got \"lots\"");
        for (const char* bad : {"-1", "+4", "4.0", "4 ; four", "", "0x10"})
            assertFailsWith(write(std::string("[server]\nworkers = ") + bad + "\n"), "server.workers", "got \"");
    }

    void testOutOfRangeValuesAreRejected()
    {
        const auto file = write("[server]\nworkers = 257\n");
        assertFails(file, "server.workers",
                    file.string() + ":2: server.workers: expected an integer from 1 to 256, got \"257\"");
        assertFailsWith(write("[server]\nworkers = 0\n"), "server.workers", "from 1 to 256, got \"0\"");
        assertFailsWith(write("[limits]\nmax_depth = 7\n"), "limits.max_depth", "from 8 to 1000, got \"7\"");
        assertFailsWith(write("[limits]\nmax_occurs = 100001\n"), "limits.max_occurs", "got \"100001\"");
        assertFailsWith(write("[auth]\niterations = 4095\n"), "auth.iterations", "from 4096 to");
        assertFailsWith(write("[server]\nkeepalive_timeout = 0\n"), "server.keepalive_timeout",
                        "expected a number of seconds from 1 to 3600, got \"0\"");
        assertFailsWith(write("[store]\nmax_apply_pause = 10001\n"), "store.max_apply_pause",
                        "expected a number of milliseconds from 0 to 10000, got \"10001\"");
        assertFailsWith(write("[server]\nmax_connections = 99999999999999999999999\n"), "server.max_connections",
                        "got \"99999999999999999999999\"");
    }

    void testBadBooleanIsRejected()
    {
        const auto file = write("[log]\nsyslog = maybe\n");
        assertFails(file, "log.syslog",
                    file.string() + ":2: log.syslog: expected true/false, yes/no, on/off or 1/0, got \"maybe\"");
    }

    void testBadChoiceIsRejected()
    {
        const auto file = write("[log]\nlevel = verbose\n");
        assertFails(file, "log.level",
                    file.string() +
                        ":2: log.level: expected one of trace, debug, info, warning, error, got \"verbose\"");
        const auto tls = write("[tls]\nmin_version = 1.1\n");
        assertFails(tls, "tls.min_version",
                    tls.string() + ":2: tls.min_version: expected one of 1.2, 1.3, got \"1.1\"");
    }

    void testBadByteSizeIsRejected()
    {
        const auto file = write("[limits]\nmax_request_bytes = 65M\n");
        assertFails(file, "limits.max_request_bytes",
                    file.string() + ":2: limits.max_request_bytes: expected a size in bytes from 1024 to 67108864"
                                    " (K, M and G suffixes allowed), got \"65M\"");
        assertFailsWith(write("[limits]\nmax_request_bytes = 1023\n"), "limits.max_request_bytes", "got \"1023\"");
        assertFailsWith(write("[limits]\nmax_request_bytes = 64KB\n"), "limits.max_request_bytes", "got \"64KB\"");
        assertFailsWith(write("[limits]\nmax_field_length = 15\n"), "limits.max_field_length", "from 16 to 65536");
        assertFailsWith(write("[limits]\nmax_request_bytes = 99999999999999999G\n"), "limits.max_request_bytes", "got");
    }

    void testEmptyStateDirectoryIsRejected()
    {
        const auto file = write("[state]\ndirectory =\n");
        assertFails(file, "state.directory",
                    file.string() + ":2: state.directory: expected a directory path, got nothing");
    }

    void testCertificateWithoutKeyIsRejected()
    {
        const auto file = write("[server]\nworkers = 2\n[tls]\ncertificate_file = /etc/ocs/cert.pem\n");
        assertFails(file, "tls.certificate_file",
                    file.string() + ":4: tls.certificate_file:"
                                    " tls.certificate_file and tls.key_file go together: set both or neither");
    }

    void testKeyWithoutCertificateIsRejected()
    {
        const auto file = write("[tls]\nmin_version = 1.3\nkey_file = /etc/ocs/key.pem\ncertificate_file =\n");
        assertFails(file, "tls.key_file",
                    file.string() + ":3: tls.key_file:"
                                    " tls.certificate_file and tls.key_file go together: set both or neither");
    }

    void testBadListenIsRejected()
    {
        const auto file = write("[server]\nlisten = localhost\n");
        assertFails(
            file, "server.listen",
            file.string() +
                ":2: server.listen: expected host:port or [IPv6]:port with a port from 0 (any free port) to 65535,"
                " got \"localhost\"");
        assertFailsWith(write("[server]\nlisten = 0.0.0.0:70000\n"), "server.listen", "got \"0.0.0.0:70000\"");
        assertFailsWith(write("[server]\nlisten = ::1:5000\n"), "server.listen", "got \"::1:5000\"");
    }

    void testParseListenSplitsHostAndPort()
    {
        const auto v4 = ocs::parseListen("127.0.0.1:5000");
        CPPUNIT_ASSERT(v4.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), v4->first);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(5000), v4->second);

        const auto any6 = ocs::parseListen("[::]:5000");
        CPPUNIT_ASSERT(any6.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("::"), any6->first);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(5000), any6->second);

        const auto anyPort = ocs::parseListen("127.0.0.1:0");
        CPPUNIT_ASSERT(anyPort.ok());
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(0), anyPort->second);

        const auto named = ocs::parseListen("localhost:65535");
        CPPUNIT_ASSERT(named.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), named->first);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(65535), named->second);
    }

    void testParseListenRejectsMalformedAddresses()
    {
        for (const char* bad : {"", "5000", ":5000", "host:", "host:65536", "host:50x", "[::1]", "[::1]5000", "[]:5000",
                                "[127.0.0.1]:5000", "::1:5000", "[::1:5000", "a b:5000", "host:-1"}) {
            const auto parsed = ocs::parseListen(bad);
            CPPUNIT_ASSERT_MESSAGE(bad, !parsed.ok());
            CPPUNIT_ASSERT(parsed.error().code == ocs::ErrorCode::InvalidParameter);
            CPPUNIT_ASSERT_EQUAL(std::string("server.listen"), parsed.error().field);
        }
    }

    void testMissingFileIsAnError()
    {
        const auto missing = dir_ / "absent.ini";
        const auto loaded = ocs::loadConfig(missing);
        CPPUNIT_ASSERT(!loaded.ok());
        CPPUNIT_ASSERT(loaded.error().code == ocs::ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(missing.string() + ": cannot open the configuration file: No such file or directory",
                             loaded.error().detail);
        CPPUNIT_ASSERT(!ocs::loadConfig(dir_).ok());
    }

    void testOverridesApplyInOrder()
    {
        ocs::Config config;
        const auto applied =
            ocs::applyOverrides(config, {"server.workers=8", "server.listen = [::1]:6000", "log.level=debug",
                                         "state.directory=/srv/ocs", "server.workers=12", "log.console=no"});
        CPPUNIT_ASSERT_MESSAGE(applied.ok() ? "" : applied.error().detail, applied.ok());
        CPPUNIT_ASSERT_EQUAL(12u, config.server.workers);
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]:6000"), config.server.listen);
        CPPUNIT_ASSERT_EQUAL(std::string("debug"), config.log.level);
        CPPUNIT_ASSERT_EQUAL(std::string("/srv/ocs"), config.stateDirectory.string());
        CPPUNIT_ASSERT(!config.log.console);
        CPPUNIT_ASSERT(ocs::applyOverrides(config, {}).ok());
    }

    void testBadOverrideNamesTheOverrideAndLeavesConfigUnchanged()
    {
        ocs::Config config;
        const auto applied = ocs::applyOverrides(config, {"log.level=debug", "server.workers=abc"});
        CPPUNIT_ASSERT(!applied.ok());
        CPPUNIT_ASSERT(applied.error().code == ocs::ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(std::string("server.workers"), applied.error().field);
        CPPUNIT_ASSERT_EQUAL(std::string("--set server.workers=abc: expected an integer from 1 to 256, got \"abc\""),
                             applied.error().detail);
        CPPUNIT_ASSERT_EQUAL(dump(ocs::Config{}), dump(config));

        const auto range = ocs::applyOverrides(config, {"limits.max_depth=2"});
        CPPUNIT_ASSERT(!range.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("--set limits.max_depth=2: expected an integer from 8 to 1000, got \"2\""),
                             range.error().detail);
    }

    void testUnknownOrMalformedOverrideIsRejected()
    {
        ocs::Config config;
        const auto unknown = ocs::applyOverrides(config, {"server.wrkers=4"});
        CPPUNIT_ASSERT(!unknown.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("server.wrkers"), unknown.error().field);
        CPPUNIT_ASSERT_EQUAL(std::string("--set server.wrkers=4: unknown option server.wrkers"),
                             unknown.error().detail);

        const auto noValue = ocs::applyOverrides(config, {"server.workers"});
        CPPUNIT_ASSERT(!noValue.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("--set server.workers: expected section.option=value"),
                             noValue.error().detail);

        const auto noSection = ocs::applyOverrides(config, {"workers=4"});
        CPPUNIT_ASSERT(!noSection.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("--set workers=4: expected section.option=value"), noSection.error().detail);
    }

    void testOverridesMaySetCertificateAndKeyTogether()
    {
        ocs::Config config;
        const auto applied = ocs::applyOverrides(config, {"tls.certificate_file=/c.pem", "tls.key_file=/k.pem"});
        CPPUNIT_ASSERT_MESSAGE(applied.ok() ? "" : applied.error().detail, applied.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("/c.pem"), config.tls.certificateFile);
        CPPUNIT_ASSERT_EQUAL(std::string("/k.pem"), config.tls.keyFile);
    }

    void testOverrideBreakingTlsPairIsBlamed()
    {
        ocs::Config config;
        config.tls.certificateFile = "/c.pem";
        config.tls.keyFile = "/k.pem";
        const auto applied = ocs::applyOverrides(config, {"server.workers=2", "tls.key_file=", "log.level=error"});
        CPPUNIT_ASSERT(!applied.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("tls.key_file"), applied.error().field);
        CPPUNIT_ASSERT_EQUAL(
            std::string("--set tls.key_file=: tls.certificate_file and tls.key_file go together: set both or neither"),
            applied.error().detail);
        CPPUNIT_ASSERT_EQUAL(std::string("/k.pem"), config.tls.keyFile);
        CPPUNIT_ASSERT_EQUAL(ocs::Config{}.server.workers, config.server.workers);
    }

    void testDescribeOptionsShowsDefaults()
    {
        std::map<std::string, ocs::OptionDoc> byKey;
        for (const ocs::OptionDoc& option : ocs::describeOptions())
            CPPUNIT_ASSERT_MESSAGE("repeated " + option.key, byKey.emplace(option.key, option).second);
        CPPUNIT_ASSERT_EQUAL(std::size_t{37}, byKey.size());
        CPPUNIT_ASSERT_EQUAL(std::string("100"), byKey["store.max_apply_pause"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("ms"), byKey["store.max_apply_pause"].unit);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), byKey["server.metrics"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5000"), byKey["server.listen"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("false"), byKey["server.allow_plain_http"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("30"), byKey["server.keepalive_timeout"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("s"), byKey["server.keepalive_timeout"].unit);
        CPPUNIT_ASSERT_EQUAL(std::string("65536"), byKey["limits.max_request_bytes"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("bytes"), byKey["limits.max_request_bytes"].unit);
        CPPUNIT_ASSERT_EQUAL(std::string(""), byKey["tls.certificate_file"].defaultValue);
        CPPUNIT_ASSERT_EQUAL(std::string("state"), byKey["state.directory"].defaultValue);
        for (const auto& [key, option] : byKey)
            CPPUNIT_ASSERT_MESSAGE(key + " has no description", !option.description.empty());

        // Every default, written back as an override, is accepted and changes nothing.
        ocs::Config config;
        std::vector<std::string> assignments;
        for (const auto& [key, option] : byKey)
            assignments.push_back(key + "=" + option.defaultValue);
        const auto applied = ocs::applyOverrides(config, assignments);
        CPPUNIT_ASSERT_MESSAGE(applied.ok() ? "" : applied.error().detail, applied.ok());
        CPPUNIT_ASSERT_EQUAL(dump(ocs::Config{}), dump(config));
    }

    // conf/ocsmanager.ini: every option commented out at its default under its
    // [section], and nothing else.
    void testEveryOptionIsInShippedFileAtItsDefault()
    {
        // The commented [backend.SOGo] example is the embedded default
        // backend, not an option of the table: it is checked below.
        const std::regex header(R"(^#?\[([A-Za-z_.]+)\]$)");
        const std::regex commented(R"(^#([a-z_]+) =(?: (.*))?$)");
        std::map<std::string, std::string> shipped; // section.option -> value
        std::map<std::string, std::string> backend;
        std::string section;
        for (const std::string& line : linesOf(readText(OCS_SOURCE_DIR "/conf/ocsmanager.ini"))) {
            std::smatch m;
            if (std::regex_match(line, m, header))
                section = m[1];
            else if (std::regex_match(line, m, commented) && section == "backend.SOGo")
                backend[m[1].str()] = m[2];
            else if (std::regex_match(line, m, commented))
                CPPUNIT_ASSERT_MESSAGE("repeated " + line, shipped.emplace(section + "." + m[1].str(), m[2]).second);
        }
        assertSameOptions("conf/ocsmanager.ini", shipped, [](const std::string& value) { return value; });
        const ocs::BackendConfig sogo = ocs::defaultSogoBackend();
        CPPUNIT_ASSERT_EQUAL(sogo.folderUri, backend["folder_uri"]);
        CPPUNIT_ASSERT_EQUAL(sogo.messageUri, backend["message_uri"]);
        CPPUNIT_ASSERT_EQUAL(std::string(sogo.caseSensitive ? "true" : "false"), backend["case_sensitive"]);
    }

    void testBackendSectionsReplaceTheDefault()
    {
        const auto loaded = ocs::loadConfig(write("[backend.Dovecot]\nfolder_uri = imap://{user}/{folder}\n"
                                                  "message_uri = imap://{user}/{folder};UID={message}\n"));
        CPPUNIT_ASSERT_MESSAGE(loaded ? "" : loaded.error().detail, loaded.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, loaded->backends.size());
        const ocs::BackendConfig& b = loaded->backends.front();
        CPPUNIT_ASSERT_EQUAL(std::string("Dovecot"), b.name);
        CPPUNIT_ASSERT_EQUAL(std::string("imap://{user}/{folder};UID={message}"), b.messageUri);
        CPPUNIT_ASSERT(b.caseSensitive);
        // Without backend sections the embedded SOGo backend stays.
        const auto plain = ocs::loadConfig(write("[server]\nworkers = 2\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("SOGo"), plain->backends.at(0).name);
    }

    void testBackendNeedsBothTemplates()
    {
        const auto file = write("[backend.Dovecot]\nfolder_uri = imap://{user}/{folder}\n");
        assertFails(file, "backend.Dovecot",
                    file.string() + ":1: [backend.Dovecot]: a backend needs both folder_uri and message_uri");
    }

    void testBackendTemplatesAreChecked()
    {
        assertFailsWith(write("[backend.X]\nfolder_uri = x://{user}/{folder}\nmessage_uri = x://{mesage}\n"),
                        "backend.X.message_uri", "unknown placeholder");
        assertFailsWith(write("[backend.X]\nfolder_uri = x://{user}/{folder}\nmessage_uri = x://{folder}\n"),
                        "backend.X.message_uri", "needs {message}");
        assertFailsWith(write("[backend.X]\nfolder_uri = {folder}\nmessage_uri = x://{message}\n"),
                        "backend.X.folder_uri", "URI template");
        assertFailsWith(write("[backend.X]\ncase = yes\n"), "backend.X.case", "unknown option");
    }

    void testBackendOverridesAddAndChangeBackends()
    {
        ocs::Config config;
        CPPUNIT_ASSERT(ocs::applyOverrides(config, {"backend.Dovecot.folder_uri=imap://{user}/{folder}",
                                                    "backend.Dovecot.message_uri=imap://{user}/{folder}/{message}",
                                                    "backend.SOGo.case_sensitive=true"})
                           .ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, config.backends.size());
        CPPUNIT_ASSERT(config.backends[0].caseSensitive);
        CPPUNIT_ASSERT_EQUAL(std::string("Dovecot"), config.backends[1].name);
        const auto incomplete = ocs::applyOverrides(config, {"backend.Cyrus.folder_uri=imap://{folder}"});
        CPPUNIT_ASSERT(!incomplete.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("backend.Cyrus"), incomplete.error().field);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, config.backends.size());
    }

    // doc/configuration.md: a "## [section]" heading per section and a table
    // row "| `option` | default | unit | meaning |" per option.
    void testEveryOptionIsDocumentedWithItsDefault()
    {
        const std::regex heading(R"(^## \[([a-z_]+)\]$)");
        const std::regex row(R"(^\| `([a-z_]+)` \| *([^|]*?) *\| *([^|]*?) *\|)");
        std::map<std::string, std::string> documented;
        std::map<std::string, std::string> units;
        std::string section;
        for (const std::string& line : linesOf(readText(OCS_SOURCE_DIR "/doc/configuration.md"))) {
            std::smatch m;
            if (std::regex_match(line, m, heading)) {
                section = m[1];
            } else if (line.rfind("## ", 0) == 0) {
                section.clear();
            } else if (!section.empty() && std::regex_search(line, m, row)) {
                const std::string key = section + "." + m[1].str();
                CPPUNIT_ASSERT_MESSAGE("repeated " + key, documented.emplace(key, m[2]).second);
                units[key] = m[3];
            }
        }
        assertSameOptions("doc/configuration.md", documented, [](const std::string& value) {
            return value.empty() ? std::string("(empty)") : "`" + value + "`";
        });
        for (const ocs::OptionDoc& option : ocs::describeOptions())
            CPPUNIT_ASSERT_EQUAL_MESSAGE("unit of " + option.key, option.unit, units[option.key]);
    }

  private:
    std::filesystem::path write(const std::string& text)
    {
        const auto file = dir_ / ("config-" + std::to_string(++files_) + ".ini");
        std::ofstream(file) << text;
        return file;
    }

    // The load fails with InvalidParameter on `field` and exactly `detail`.
    void assertFails(const std::filesystem::path& file, const std::string& field, const std::string& detail)
    {
        const auto loaded = ocs::loadConfig(file);
        CPPUNIT_ASSERT_MESSAGE("accepted: " + readText(file), !loaded.ok());
        CPPUNIT_ASSERT(loaded.error().code == ocs::ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(field, loaded.error().field);
        CPPUNIT_ASSERT_EQUAL(detail, loaded.error().detail);
    }

    // The load fails on `field`; the detail starts with "file:line: field: "
    // and contains `fragment`.
    void assertFailsWith(const std::filesystem::path& file, const std::string& field, const std::string& fragment)
    {
        const auto loaded = ocs::loadConfig(file);
        CPPUNIT_ASSERT_MESSAGE("accepted: " + readText(file), !loaded.ok());
        CPPUNIT_ASSERT(loaded.error().code == ocs::ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(field, loaded.error().field);
        const std::string& detail = loaded.error().detail;
        const std::string prefix = file.string() + ":";
        CPPUNIT_ASSERT_MESSAGE(detail, detail.rfind(prefix, 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(detail, detail.find(": " + field + ": ") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(detail + " lacks " + fragment, detail.find(fragment) != std::string::npos);
    }

    template <typename Format>
    void assertSameOptions(const std::string& where, const std::map<std::string, std::string>& found, Format format)
    {
        std::map<std::string, std::string> expected;
        for (const ocs::OptionDoc& option : ocs::describeOptions()) {
            expected[option.key] = format(option.defaultValue);
            const auto it = found.find(option.key);
            CPPUNIT_ASSERT_MESSAGE(option.key + " is missing from " + where, it != found.end());
            CPPUNIT_ASSERT_EQUAL_MESSAGE("default of " + option.key + " in " + where, expected[option.key], it->second);
        }
        for (const auto& [key, value] : found)
            CPPUNIT_ASSERT_MESSAGE(where + " has " + key + ", which is not an option", expected.count(key) == 1);
    }

    std::filesystem::path dir_;
    int files_ = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigTest);
