using System.Net;
using System.Net.Sockets;

namespace Ec2Isolation.TestSupport;

/// <summary>An HttpListener on 127.0.0.1 and a free port, for the stand-ins and the fault proxy.</summary>
public static class LoopbackListener
{
    /// <summary>Starts a listener on a free port; tries another when the port was taken between the probe and the start.</summary>
    public static (HttpListener Listener, int Port) Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }
}
