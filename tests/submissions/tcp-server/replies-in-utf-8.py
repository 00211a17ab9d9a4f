import socket

if __name__ == '__main__':
    # 1. 创建tcp服务端套接字
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 设置端口号复用，让程序退出端口号立即释放
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    # 2. 绑定端口号
    tcp_server_socket.bind(("", 8080))
    # 3. 设置监听
    tcp_server_socket.listen(128)
    # 4. 等待客户端建立连接的请求
    service_client_socket, ip_port = tcp_server_socket.accept()
    print("客户端的ip地址和端口号:", ip_port)
    # 5. 接收客户端的数据
    recv_data = service_client_socket.recv(1024)
    recv_content = recv_data.decode("gbk")
    print("接收客户端的数据为:", recv_content)
    # 6. 发送数据到客户端
    send_data = "ok, 问题正在处理中...".encode("utf-8")
    service_client_socket.send(send_data)
    # 关闭服务与客户端的套接字
    service_client_socket.close()
    # 7. 关闭服务端套接字
    tcp_server_socket.close()
