using Nexodus.Mesh.Stun.Cli;

return await StunCommandLine.Build().Parse(args).InvokeAsync();
