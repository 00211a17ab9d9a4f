import socket

if __name__ == '__main__':
    # 创建tcp客户端套接字
    tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 和服务端应用程序建立连接
    tcp_client_socket.connect(("192.168.1.102", 7878))
    # 发送数据
    tcp_client_socket.send("你好，我是客户端小白".encode("gbk"))
    # 接收数据
    recv_data = tcp_client_socket.recv(1024)
    print("接收服务端的数据为:", recv_data.decode("gbk"))
    # 关闭套接字
    tcp_client_socket.close()
