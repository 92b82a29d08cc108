// `loupe-test-cli`: the real command line (runCli) with the test kinds
// registered, so CLI tests exercise the product's code paths end to end.
#include "app/cli/Cli.h"
#include "tests/support/TestKinds.h"

int main(int argc, char** argv) {
  loupe::KindRegistry registry;
  loupe::registerBuiltinKinds(registry);
  loupe::testing::registerTestKinds(registry);
  return loupe::runCli(argc, argv, registry);
}
