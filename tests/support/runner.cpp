// Runs one CppUnit suite by its fixture name (one CTest test per suite), or
// every suite when no name is given. Exit status 0 only when all tests pass.
#include <cppunit/CompilerOutputter.h>
#include <cppunit/Test.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TextTestProgressListener.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>

int main(int argc, char** argv)
{
    // The whole tree of suites, owned here and freed at the end (a sanitized
    // build checks for leaks at exit).
    const std::unique_ptr<CppUnit::Test> all(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
    std::vector<CppUnit::Test*> selected;
    try {
        for (int i = 1; i < argc; ++i)
            selected.push_back(all->findTest(argv[i]));
    } catch (const std::invalid_argument& e) {
        std::cerr << "no such suite: " << e.what() << '\n';
        return 2;
    }
    if (selected.empty())
        selected.push_back(all.get());
    CppUnit::TestResult controller;
    CppUnit::TestResultCollector result;
    controller.addListener(&result);
    CppUnit::TextTestProgressListener progress;
    controller.addListener(&progress);
    for (CppUnit::Test* test : selected)
        controller.runTest(test);
    CppUnit::CompilerOutputter(&result, std::cerr).write();
    std::cout << "\n" << result.runTests() << " tests run, " << result.testFailuresTotal() << " failed\n";
    return result.wasSuccessful() && result.runTests() > 0 ? 0 : 1;
}
