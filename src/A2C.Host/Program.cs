return A2C.Host.Cli.CliApp.Run(args);
