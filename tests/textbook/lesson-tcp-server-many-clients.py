import socket

if __name__ == '__main__':
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 设置端口号复用，让程序退出端口号立即释放
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", 8080))
    tcp_server_socket.listen(128)
    # 循环等待接受客户端的连接请求
    while True:
        service_client_socket, ip_port = tcp_server_socket.accept()
        print("客户端的ip地址和端口号:", ip_port)
        recv_data = service_client_socket.recv(1024)
        if len(recv_data) == 0:
            service_client_socket.close()
            continue
        recv_content = recv_data.decode("gbk")
        print("接收客户端的数据为:", recv_content)
        send_data = "ok, 问题正在处理中...".encode("gbk")
        service_client_socket.send(send_data)
        service_client_socket.close()
