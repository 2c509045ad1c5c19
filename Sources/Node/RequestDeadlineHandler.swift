import NIOCore
import NIOHTTPTypes

/// Bounds how long a connection may take to send a request, so that a client trickling bytes
/// (slowloris) cannot hold a connection, and with enough of them the node, for ever: its headers
/// within `headerTimeout` of the connection opening, its body within `bodyTimeout` of the headers,
/// and the next request of a kept-alive connection within `idleTimeout` of the last response.
/// A connection past its deadline is closed. While the node works on a request, no deadline runs.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    struct Timeouts: Sendable {
        var header: TimeAmount
        var body: TimeAmount
        var idle: TimeAmount
    }

    private let timeouts: Timeouts
    private var deadline: Scheduled<Void>?

    init(_ timeouts: Timeouts) { self.timeouts = timeouts }

    func handlerAdded(context: ChannelHandlerContext) { arm(timeouts.header, context) }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(timeouts.body, context)
        case .body: break
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(timeouts.idle, context) }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: TimeAmount, _ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
