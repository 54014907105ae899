using Nexodus.Mesh.Relay.Cli;

return await RelayCommand.Create().Parse(args).InvokeAsync();
