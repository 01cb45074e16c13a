return A2C.Cli.CliApp.Run(args);
