using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>Registers the STUN server as a hosted service, for hosts that embed it.</summary>
public static class StunServiceCollectionExtensions
{
    public static IServiceCollection AddStunServer(this IServiceCollection services, Action<StunServerOptions> configure)
    {
        services.AddOptions<StunServerOptions>()
            .Configure(configure)
            .Validate(o => o.Validate().Count == 0, "invalid STUN server options (see StunServerOptions.Validate)")
            .ValidateOnStart();
        services.TryAddSingleton(_ => new StunServerMetrics());
        services.AddSingleton<StunServerHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<StunServerHostedService>());
        return services;
    }
}
