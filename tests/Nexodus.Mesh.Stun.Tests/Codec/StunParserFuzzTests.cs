using System.Buffers.Binary;
using System.Net;
using Nexodus.Mesh.Stun.Codec;
using Nexodus.Mesh.Stun.Server;

namespace Nexodus.Mesh.Stun.Tests.Codec;

/// <summary>
/// Seeded random and mutated datagrams through the parser and the server's responder: nothing may throw, the
/// loop may not allocate, and every answer the responder produces must itself be a valid STUN message.
/// </summary>
public sealed class StunParserFuzzTests
{
    private const int Iterations = 200_000;

    [Theory]
    [InlineData(5780)]
    [InlineData(8489)]
    public void ParseAndRespond_RandomAndMutatedDatagrams_NoExceptionNoAllocation(int seed)
    {
        var corpus = BuildCorpus();
        var random = new Random(seed);
        var input = new byte[600];
        var response = new byte[StunResponder.MaxResponseLength];
        var responder = new StunResponder(
            [Addr("192.0.2.1", 3478), Addr("192.0.2.1", 3479), Addr("192.0.2.2", 3478), Addr("192.0.2.2", 3479)],
            "fuzz");
        var source = Addr("198.51.100.7", 40000);
        var parsed = 0;
        var errorsSeen = new int[Enum.GetValues<StunParseError>().Length];
        var answered = 0;
        var answersValid = 0;

        // Warm up JIT and static state so that the measured loop sees steady state.
        RunOne(0, corpus[0]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            var length = Generate(random, corpus, input);
            RunOne(i, input.AsSpan(0, length));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(parsed > Iterations / 20, $"only {parsed} of {Iterations} inputs parsed; the mutator is not reaching the attribute parser");
        foreach (var error in Enum.GetValues<StunParseError>())
        {
            // Every rejection path was reached at least once, so the fuzzer covers the whole parser. An attribute
            // after a *valid* FINGERPRINT needs a matching CRC, which random mutation never produces; that path
            // has its own test in StunMalformedInputTests.
            Assert.True(error is StunParseError.None or StunParseError.AttributeAfterFingerprint || errorsSeen[(int)error] > 0, $"no input was rejected with {error}");
        }
        Assert.True(answered > 0);
        Assert.Equal(answered, answersValid);

        void RunOne(int i, ReadOnlySpan<byte> datagram)
        {
            if (StunMessageReader.TryRead(datagram, out var message, out var error))
            {
                parsed++;
                _ = message.XorMappedAddress;
            }
            else
            {
                errorsSeen[(int)error]++;
            }

            var decision = responder.Respond(datagram, source, (StunSocketRole)(i & 3), response);
            if (decision.Kind != StunResponseKind.Dropped)
            {
                answered++;
                if (StunMessageReader.TryRead(response.AsSpan(0, decision.Length), out var answer)
                    && answer.TransactionId == message.TransactionId
                    && answer.Class != StunMessageClass.Request)
                {
                    answersValid++;
                }
            }
        }
    }

    /// <summary>Half fresh random bytes (often with a plausible header), half mutations of valid messages.</summary>
    private static int Generate(Random random, byte[][] corpus, byte[] output)
    {
        int length;
        if (random.Next(2) == 0)
        {
            length = random.Next(0, 200);
            random.NextBytes(output.AsSpan(0, length));
            if (length >= 20 && random.Next(4) != 0)
            {
                // Plausible header so the attribute walk is exercised, not just the header checks.
                BinaryPrimitives.WriteUInt16BigEndian(output, (ushort)(random.Next(3) == 0 ? 0x0001 : random.Next(0x4000)));
                BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), StunConstants.MagicCookie);
                length -= (length - 20) & 3;
                BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(2), (ushort)(length - 20));
            }

            return length;
        }

        var seed = corpus[random.Next(corpus.Length)];
        seed.CopyTo(output, 0);
        length = seed.Length;
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0: // flip a bit
                    output[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // random byte
                    output[random.Next(length)] = (byte)random.Next(256);
                    break;
                case 2: // truncate
                    length = random.Next(length + 1);
                    break;
                case 3: // extend with garbage
                    var extra = random.Next(1, 64);
                    if (length + extra <= output.Length)
                    {
                        random.NextBytes(output.AsSpan(length, extra));
                        length += extra;
                    }

                    break;
                case 4: // corrupt an attribute length field (past the header)
                    if (length > 24)
                    {
                        var at = 20 + (random.Next((length - 20) / 4) * 4) + 2;
                        if (at + 1 < length)
                        {
                            BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(at), (ushort)random.Next(0, 0x10000));
                        }
                    }

                    break;
                default: // keep the header length consistent so the mutation reaches the attributes
                    if (length >= 20)
                    {
                        length -= (length - 20) & 3;
                        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(2), (ushort)(length - 20));
                    }

                    break;
            }
        }

        return length;
    }

    private static byte[][] BuildCorpus()
    {
        var list = new List<byte[]> { Rfc5769Vectors.Request, Rfc5769Vectors.IPv4Response, Rfc5769Vectors.IPv6Response };
        var buffer = new byte[256];
        var id = StunTransactionId.NewRandom();

        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        w.AddChangeRequest(StunChangeRequest.ChangeIpAndPort);
        w.AddResponsePort(5000);
        w.AddFingerprint();
        Add(ref w);

        w = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, id);
        w.AddXorMappedAddress(Addr("2001:db8::1", 1));
        w.AddAddress(StunAttributeType.MappedAddress, Addr("192.0.2.9", 2));
        w.AddAddress(StunAttributeType.OtherAddress, Addr("192.0.2.10", 3));
        w.AddAddress(StunAttributeType.ResponseOrigin, Addr("192.0.2.11", 4));
        w.AddSoftware("x"u8);
        w.AddFingerprint();
        Add(ref w);

        w = new StunMessageWriter(buffer, StunMessageType.BindingErrorResponse, id);
        w.AddErrorCode(420, "Unknown"u8);
        w.AddUnknownAttributes([0x0024, 0x0027]);
        Add(ref w);

        w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, StunTransactionId.NewClassic());
        w.AddChangeRequest(StunChangeRequest.ChangeIp);
        Add(ref w);
        return [.. list];

        void Add(ref StunMessageWriter writer)
        {
            Assert.True(writer.TryComplete(out var length));
            list.Add(buffer.AsSpan(0, length).ToArray());
        }
    }

    private static StunAddress Addr(string ip, int port) => StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), port));
}
