using Nexodus.Mesh.Netsim.Cli;

return await NetsimCommands.Build().Parse(args).InvokeAsync();
