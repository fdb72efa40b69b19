// corroborate: the command-line shell around the engine. Parses arguments, opens the store, and
// hands each subcommand to its Register* function (commands.h).
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace corroborate::cli;
  CLI::App app{
      "corroborate: a security findings hub. Stores AWS Security Finding Format (ASFF) findings "
      "with\n"
      "Security Hub's semantics and answers Security Hub's filters.\n\n"
      "Exit status: 0 ok, 1 partly done (some input rejected), 2 usage error, 3 could not run.",
      "corroborate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "corroborate 0.1.0");
  GlobalOptions global;
  app.add_option("--data-dir", global.data_dir,
                 "Where findings are stored (default $CORROBORATE_DATA_DIR, else "
                 "$XDG_DATA_HOME/corroborate, else ~/.local/share/corroborate)")
      ->envname("CORROBORATE_DATA_DIR");
  app.add_option("--retention-active-days", global.retention_active_days,
                 "Delete ACTIVE findings not updated for this many days")
      ->default_val(90)
      ->check(CLI::Range(1, 36500));
  app.add_option("--retention-archived-days", global.retention_archived_days,
                 "Delete ARCHIVED findings not updated for this many days")
      ->default_val(30)
      ->check(CLI::Range(1, 36500));
  // Added for inventory (issue 9).
  app.add_option("--inventory-expiry-days", global.inventory_expiry_days,
                 "A relation an inventory source stated stops counting this many days after it "
                 "was last seen; retention deletes it")
      ->default_val(30)
      ->check(CLI::Range(1, 36500));
  // Added for the AWS edge (issue 6).
  app.add_option("--dynamodb-table", global.dynamodb_table,
                 "Store findings in this DynamoDB table instead of --data-dir (the AWS "
                 "deployment's store; credentials and region from the AWS chain; "
                 "docs/dynamodb.md)")
      ->envname("CORROBORATE_DYNAMODB_TABLE");
  app.add_option("--dynamodb-endpoint-url", global.dynamodb_endpoint_url,
                 "DynamoDB endpoint (default $AWS_ENDPOINT_URL_DYNAMODB, $AWS_ENDPOINT_URL, else "
                 "https://dynamodb.<region>.amazonaws.com)");
  app.add_flag("--dynamodb-create-table", global.dynamodb_create_table,
               "Create the --dynamodb-table (with its indexes and TTL) when it does not exist");
  app.add_option("--now", global.now,
                 "Act as if it were this time (ASFF timestamp, e.g. 2026-11-23T00:00:00Z): rule "
                 "windows, relative date filters and import times use it. For replaying history "
                 "and for trying the bundled examples after their dates")
      ->envname("CORROBORATE_NOW")
      ->check(CLI::Validator(
          [](std::string& text) {
            return corroborate::asff::ParseTimestamp(text)
                       ? std::string()
                       : "not an ASFF timestamp (YYYY-MM-DDTHH:MM:SS[.fff]Z or with +HH:MM)";
          },
          "TIMESTAMP"));
  int exit_code = kExitOk;
  RegisterIngest(app, global, &exit_code);
  RegisterFindings(app, global, &exit_code);
  RegisterUpdate(app, global, &exit_code);
  RegisterStats(app, global, &exit_code);
  RegisterRetention(app, global, &exit_code);
  RegisterRules(app, global, &exit_code);
  RegisterCorrelate(app, global, &exit_code);
  RegisterExplain(app, global, &exit_code);
  RegisterIot(app, global, &exit_code);
  RegisterInventory(app, global, &exit_code);  // added for inventory (issue 9)
  RegisterResource(app, global, &exit_code);
  RegisterServe(app, global, &exit_code);
  RegisterPush(app, global, &exit_code);  // added for the AWS edge (issue 6)
  RegisterLambda(app, global, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return kExitUsage;
  }
  return exit_code;
}
