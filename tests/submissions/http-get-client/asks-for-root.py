import socket

if __name__ == '__main__':
    # 1. 创建tcp客户端套接字
    tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 2. 和服务端建立连接（老师机器上的 Web 服务器）
    tcp_client_socket.connect(("192.168.1.102", 8000))
    # 3. 拼接并发送 HTTP 请求报文：请求行、请求头、空行
    request_line = "GET / HTTP/1.1\r\n"
    request_header = "Host: 192.168.1.102:8000\r\nConnection: close\r\n"
    request = request_line + request_header + "\r\n"
    tcp_client_socket.send(request.encode("utf-8"))
    # 4. 循环接收响应报文，直到服务器关闭连接
    response = b""
    while True:
        recv_data = tcp_client_socket.recv(1024)
        if len(recv_data) == 0:
            break
        response += recv_data
    print(response.decode("utf-8"))
    # 5. 关闭套接字
    tcp_client_socket.close()
