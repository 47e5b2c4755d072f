// doc/errors.md publishes the error table; this suite fails when the page and
// the code disagree, or when the table itself is inconsistent.
#include "common/errors.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> splitRow(const std::string& line)
{
    std::vector<std::string> cells;
    std::stringstream in(line.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) {
        const auto first = cell.find_first_not_of(' ');
        const auto last = cell.find_last_not_of(' ');
        cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    return cells;
}

// The rows of the table under "## The table", keyed by name.
std::map<std::string, std::vector<std::string>> documentedRows()
{
    std::ifstream in(OCS_SOURCE_DIR "/doc/errors.md");
    std::map<std::string, std::vector<std::string>> rows;
    std::string line;
    bool inTable = false;
    while (std::getline(in, line)) {
        if (line == "## The table")
            inTable = true;
        if (!inTable || line.rfind("| ", 0) != 0 || line.rfind("| code", 0) == 0)
            continue;
        auto cells = splitRow(line);
        if (cells.size() == 6)
            rows[cells[1]] = cells;
    }
    return rows;
}

} // namespace

class ErrorTableTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ErrorTableTest);
    CPPUNIT_TEST(testEveryRowIsDocumentedExactly);
    CPPUNIT_TEST(testDocumentListsNoRowTheCodeLacks);
    CPPUNIT_TEST(testNamesAreUniqueAndEveryCodeHasARow);
    CPPUNIT_TEST(testOriginalCodesKeepTheirMeaning);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryRowIsDocumentedExactly()
    {
        const auto documented = documentedRows();
        for (const ocs::ErrorRow& row : ocs::errorTable()) {
            const std::string name(row.name);
            auto found = documented.find(name);
            CPPUNIT_ASSERT_MESSAGE("doc/errors.md lacks " + name, found != documented.end());
            const auto& cells = found->second;
            CPPUNIT_ASSERT_EQUAL(std::to_string(row.code), cells[0]);
            CPPUNIT_ASSERT_EQUAL(std::string(row.message), cells[2]);
            CPPUNIT_ASSERT_EQUAL(std::string(ocs::faultRoleName(row.role)), cells[3]);
            CPPUNIT_ASSERT_EQUAL(std::to_string(row.httpStatus), cells[4]);
            CPPUNIT_ASSERT_EQUAL(std::string(row.when), cells[5]);
        }
    }

    void testDocumentListsNoRowTheCodeLacks()
    {
        CPPUNIT_ASSERT_EQUAL(ocs::errorTable().size(), documentedRows().size());
    }

    void testNamesAreUniqueAndEveryCodeHasARow()
    {
        std::set<std::string> names;
        std::set<int> ids;
        for (const ocs::ErrorRow& row : ocs::errorTable()) {
            CPPUNIT_ASSERT(names.insert(std::string(row.name)).second);
            CPPUNIT_ASSERT(ids.insert(static_cast<int>(row.id)).second);
            CPPUNIT_ASSERT(&ocs::errorRow(row.id) == &row);
            CPPUNIT_ASSERT(row.httpStatus >= 400 && row.httpStatus < 600);
        }
        CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(ocs::ErrorCode::StoreUnavailable) + 1, ids.size());
    }

    void testOriginalCodesKeepTheirMeaning()
    {
        CPPUNIT_ASSERT_EQUAL(417, ocs::errorRow(ocs::ErrorCode::InvalidParameter).code);
        CPPUNIT_ASSERT_EQUAL(401, ocs::errorRow(ocs::ErrorCode::InvalidCredentials).code);
        CPPUNIT_ASSERT_EQUAL(403, ocs::errorRow(ocs::ErrorCode::InvalidSession).code);
        CPPUNIT_ASSERT_EQUAL(472, ocs::errorRow(ocs::ErrorCode::InvalidToken).code);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorTableTest);
