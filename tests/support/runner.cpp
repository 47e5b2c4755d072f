// Runs one CppUnit suite by its fixture name (one CTest test per suite), or
// every suite when no name is given. Exit status 0 only when all tests pass.
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/TextTestProgressListener.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <iostream>
#include <stdexcept>

int main(int argc, char** argv)
{
    CppUnit::Test* all = CppUnit::TestFactoryRegistry::getRegistry().makeTest();
    CppUnit::TestRunner runner;
    try {
        if (argc > 1) {
            for (int i = 1; i < argc; ++i)
                runner.addTest(all->findTest(argv[i]));
        } else {
            runner.addTest(all);
        }
    } catch (const std::invalid_argument& e) {
        std::cerr << "no such suite: " << e.what() << '\n';
        return 2;
    }
    CppUnit::TestResult controller;
    CppUnit::TestResultCollector result;
    controller.addListener(&result);
    CppUnit::TextTestProgressListener progress;
    controller.addListener(&progress);
    runner.run(controller);
    CppUnit::CompilerOutputter(&result, std::cerr).write();
    std::cout << "\n" << result.runTests() << " tests run, " << result.testFailuresTotal() << " failed\n";
    return result.wasSuccessful() && result.runTests() > 0 ? 0 : 1;
}
